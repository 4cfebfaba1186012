"""PAD fused into what reads it (simtiny.lower.fusion): which PADs fuse, and the fused models bit
for bit against LiteRT on the host (the portable kernels) and in the simulator (the DSP paths)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from support.opcheck import check_model
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny.cli import main
from simtiny.lower.fusion import fuse_pads
from simtiny.model import parse_model
from tests.ops.test_conv import act_tensor, bias_tensor, filter_tensor, spread_output

VALID = {"padding": "VALID", "stride_h": 1, "stride_w": 1}


def pad_tensor(name: str, pads: list[list[int]]) -> TensorSpec:
    return TensorSpec(name, (4, 2), "int32", data=np.array(pads, dtype=np.int32))


def padded(x: TensorSpec, pads: list[list[int]]) -> TensorSpec:
    """PAD's output: x's shape grown by pads, x's quantisation."""
    shape = tuple(n + a + b for n, (a, b) in zip(x.shape, pads, strict=True))
    return dataclasses.replace(x, name=x.name + "_padded", shape=shape)


def conv_after_pad(rng: np.random.Generator, h: int, w: int, c: int, k: int, pads: list[list[int]],
                   stride: int, depthwise: bool, options: dict | None = None):  # fmt: skip
    """Tensors and ops of PAD -> CONV_2D or DEPTHWISE_CONV_2D (a k x k filter, VALID unless
    options say otherwise), the convolution's output the model's."""
    x = act_tensor("x", (1, h, w, c), rng, False)
    xp = padded(x, pads)
    cout = c if depthwise else 8
    weights = filter_tensor((1, k, k, c) if depthwise else (cout, k, k, c), 3 if depthwise else 0, rng, True, False)
    assert weights.scale is not None  # positive scales: the fast kernels take these layers
    weights = dataclasses.replace(weights, scale=[abs(v) or 1e-3 for v in weights.scale])
    oh = (xp.shape[1] - k) // stride + 1
    ow = (xp.shape[2] - k) // stride + 1
    y = spread_output("y", (1, oh, ow, cout), x, weights, rng)
    tensors = [x, pad_tensor("pads", pads), xp, weights, bias_tensor(cout, rng, 3000), y]
    conv_options = {**VALID, "stride_h": stride, "stride_w": stride, **(options or {})}
    if depthwise:
        conv_options["depth_multiplier"] = 1
    ops = [
        OpSpec("PAD", [0, 1], [2], {}),
        OpSpec("DEPTHWISE_CONV_2D" if depthwise else "CONV_2D", [2, 3, 4], [5], conv_options),
    ]
    return tensors, ops


FUSED = [  # (h, w, c, k, pads of rows and columns, stride, depthwise)
    (8, 9, 8, 3, [[0, 0], [1, 1], [1, 1], [0, 0]], 1, True),
    (9, 8, 16, 3, [[0, 0], [0, 1], [0, 1], [0, 0]], 2, True),  # TF's asymmetric stride-2 padding
    (11, 10, 8, 5, [[0, 0], [2, 2], [2, 2], [0, 0]], 2, True),
    (9, 9, 12, 7, [[0, 0], [3, 3], [3, 3], [0, 0]], 1, True),
    (7, 6, 5, 3, [[0, 0], [1, 2], [2, 1], [0, 0]], 1, True),  # five channels: not the quads kernel's
    (8, 8, 3, 3, [[0, 0], [1, 1], [1, 1], [0, 0]], 2, False),
    (6, 7, 8, 3, [[0, 0], [1, 1], [1, 1], [0, 0]], 1, False),
]


@pytest.mark.parametrize("index", range(len(FUSED)))
def test_pad_fused_into_convolution(index: int) -> None:
    """PAD (rows and columns, its input's zero point) then a VALID convolution: the PAD fuses (no
    tensors left, the convolution reading its input with EXPLICIT padding), bit for bit."""
    rng = np.random.default_rng(71 + index)
    tensors, ops = conv_after_pad(rng, *FUSED[index])
    graph = fuse_pads(parse_model(build_model(tensors, ops, [0], [5])))
    pad, conv = graph.operators
    assert pad.outputs == () and pad.options == {"fused_into": 1}
    assert conv.inputs[0] == 0 and conv.options["padding"] == "EXPLICIT"
    assert "1 PAD operator(s) fused" in graph.notes[-1]
    assert check_model(tensors, ops, [0], [5], rng, samples=3, label=str(FUSED[index]), fuse=True).elements > 0


def test_pad_of_nothing_skipped_by_every_reader() -> None:
    """A PAD of nothing (as TF exports before 1x1 convolutions) read by a 1x1 convolution and an
    ADD: both read its input instead, bit for bit."""
    rng = np.random.default_rng(79)
    x = act_tensor("x", (1, 5, 6, 8), rng, False)
    zero = [[0, 0]] * 4
    xp = padded(x, zero)
    weights = filter_tensor((8, 1, 1, 8), 0, rng, True, False)
    y = spread_output("y", (1, 5, 6, 8), x, weights, rng)
    s = act_tensor("s", (1, 5, 6, 8), rng, False)
    tensors = [x, pad_tensor("pads", zero), xp, weights, bias_tensor(8, rng, 3000), y, s]
    ops = [
        OpSpec("PAD", [0, 1], [2], {}),
        OpSpec("CONV_2D", [2, 3, 4], [5], VALID),
        OpSpec("ADD", [2, 5], [6], {"fused_activation_function": "NONE"}),
    ]
    graph = fuse_pads(parse_model(build_model(tensors, ops, [0], [6])))
    assert graph.operators[0].outputs == () and graph.operators[1].inputs[0] == 0 == graph.operators[2].inputs[0]
    assert graph.operators[1].options["padding"] == "VALID"
    assert check_model(tensors, ops, [0], [6], rng, samples=3, fuse=True).elements > 0


def test_pad_after_a_pad_of_nothing() -> None:
    """A PAD of nothing, then a PAD of rows and columns, then a convolution: both fuse, and the
    convolution reads the first PAD's input (the tensor neither PAD writes any more)."""
    rng = np.random.default_rng(89)
    tensors, ops = conv_after_pad(rng, 6, 7, 8, 3, [[0, 0], [1, 1], [1, 1], [0, 0]], 1, True)
    x, zero = tensors[0], [[0, 0]] * 4
    tensors = [dataclasses.replace(x, name="x0"), pad_tensor("nothing", zero), *tensors]
    shifted = [dataclasses.replace(o, inputs=[k + 2 for k in o.inputs], outputs=[k + 2 for k in o.outputs])
               for o in ops]  # fmt: skip
    ops = [OpSpec("PAD", [0, 1], [2], {}), *shifted]
    graph = fuse_pads(parse_model(build_model(tensors, ops, [0], [7])))
    assert [op.outputs for op in graph.operators[:2]] == [(), ()] and graph.operators[2].inputs[0] == 0
    assert check_model(tensors, ops, [0], [7], rng, samples=3, fuse=True).elements > 0


def test_pads_that_stay() -> None:
    """No fusion where it would change what is computed or what the model gives back: a second
    reader of a padded tensor, a padded tensor the model outputs, channels padded, a SAME
    convolution after the PAD, a 1x1 convolution after a real PAD."""
    rng = np.random.default_rng(83)
    rows = [[0, 0], [1, 1], [1, 1], [0, 0]]
    cases = []
    tensors, ops = conv_after_pad(rng, 6, 6, 8, 3, rows, 1, True)
    cases.append(("two readers", [*tensors, act_tensor("z", (1, 8, 8, 8), rng, False)],
                  [*ops, OpSpec("ADD", [2, 2], [6], {"fused_activation_function": "NONE"})], [5, 6]))  # fmt: skip
    tensors, ops = conv_after_pad(rng, 6, 6, 8, 3, rows, 1, True)
    cases.append(("padded output", tensors, ops, [2, 5]))
    tensors, ops = conv_after_pad(rng, 6, 6, 8, 3, [[0, 0], [1, 1], [1, 1], [0, 0]], 1, True, {"padding": "SAME"})
    tensors[5] = dataclasses.replace(tensors[5], shape=(1, 8, 8, 8))
    cases.append(("SAME after", tensors, ops, [5]))
    tensors, ops = conv_after_pad(rng, 6, 6, 8, 1, rows, 1, False)
    cases.append(("1x1 after", tensors, ops, [5]))
    for label, tensors, ops, outputs in cases:
        graph = fuse_pads(parse_model(build_model(tensors, ops, [0], outputs)))
        assert graph.operators[0].outputs == (2,), label
        assert check_model(tensors, ops, [0], outputs, rng, samples=2, label=label, fuse=True).elements > 0
    x = act_tensor("x", (1, 4, 4, 8), rng, False)
    channels = [[0, 0], [0, 0], [0, 0], [0, 4]]
    weights = filter_tensor((8, 3, 3, 12), 0, rng, True, False)
    tensors = [x, pad_tensor("pads", channels), padded(x, channels), weights, bias_tensor(8, rng, 3000),
               spread_output("y", (1, 2, 2, 8), x, weights, rng)]  # fmt: skip
    ops = [OpSpec("PAD", [0, 1], [2], {}), OpSpec("CONV_2D", [2, 3, 4], [5], VALID)]
    graph = fuse_pads(parse_model(build_model(tensors, ops, [0], [5])))
    assert graph.operators[0].outputs == (2,), "channels padded"
    assert check_model(tensors, ops, [0], [5], rng, samples=2, label="channels", fuse=True).elements > 0


@pytest.mark.sim
def test_run_names_the_operator_a_pad_is_fused_into(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`simtiny run`'s table of operators says where a fused PAD went ("fused: #1") rather than
    leaving its output empty, and the run is bit-exact."""
    rng = np.random.default_rng(5)
    tensors, ops = conv_after_pad(rng, *FUSED[0])
    model = tmp_path / "pad.tflite"
    model.write_bytes(build_model(tensors, ops, [0], [5]))
    assert main(["run", str(model), "--ideal-memory"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert next(r[:4] for r in rows if r[:2] == ["0", "PAD"]) == ["0", "PAD", "fused:", "#1"]
    assert any(r[:1] == ["BIT-EXACT:"] for r in rows)
