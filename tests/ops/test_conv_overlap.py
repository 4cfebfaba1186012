"""Convolutions whose output overlaps their input (simtiny.flow.plan): the output starts `gap`
bytes before the input and overwrites the input bytes the kernel has done with.

The gap is checked two ways: against the kernels' access order, replayed here pixel by pixel
(every read of an input byte happens before any write reaches it), and by running planned
models on the host against LiteRT, with the overlap in the plan (both column kernels, lean and
not, and the generic one; strides, dilations, padding, batches, wider and narrower outputs).
"""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, pack, run_packed
from support.tflite_writer import OpSpec, build_model

from simtiny import lower
from simtiny.flow.plan import ALIGN, plan_memory
from simtiny.lower.geometry import out_size_and_padding
from simtiny.model import Graph, Operator, parse_model
from tests.ops.test_conv import act_tensor, bias_tensor, filter_tensor, window_options

GEOMETRIES = [  # (batches, h, w, cin, cout, k, stride, dilation, padding)
    (1, 12, 12, 3, 16, 3, 2, 1, "SAME"),  # a first layer
    (1, 13, 11, 3, 8, 3, 2, 1, "SAME"),  # odd sizes: padding on both sides
    (1, 9, 10, 4, 12, 3, 1, 1, "SAME"),  # stride 1, output wider than the input
    (2, 8, 7, 5, 6, 3, 1, 1, "VALID"),  # two batches
    (1, 11, 9, 2, 7, 3, 1, 2, "SAME"),  # dilation 2
    (1, 10, 10, 16, 4, 5, 2, 1, "SAME"),  # 400 taps: columns; lean: the generic kernel
    (1, 12, 6, 1, 9, (5, 2), 2, 1, "SAME"),  # a KWS-like 1-channel input, rectangular filter
]


def case(rng: np.random.Generator, index: int, geometry: tuple) -> Case:
    b, h, w, cin, cout, k, s, d, padding = geometry
    kh, kw = k if isinstance(k, tuple) else (k, k)
    oh, _ = out_size_and_padding(padding, h, kh, s, d)
    ow, _ = out_size_and_padding(padding, w, kw, s, d)
    tensors = [
        act_tensor("x", (b, h, w, cin), rng, False),
        filter_tensor((cout, kh, kw, cin), 0, rng, index % 2 == 0, False),
        bias_tensor(cout, rng, 3000),
        act_tensor("y", (b, oh, ow, cout), rng, False),
    ]
    return Case(f"conv {geometry}", tensors, OpSpec("CONV_2D", [0, 1, 2], [3], window_options(padding, s, d, index)))


def graph_of(cases: list[Case]) -> Graph:
    tensors, op_specs, inputs, outputs, _ = pack(cases)
    return parse_model(build_model(tensors, op_specs, inputs, outputs))


def replay(graph: Graph, op: Operator, gap: int) -> None:
    """The kernels' order: for each output pixel in turn, its window's in-image taps are read,
    then its output_c bytes written (the column kernel reads a whole block of windows before
    writing any of it, which only reads earlier). With the output at 0 and the input at `gap`,
    no tap may lie below the bytes written so far."""
    x, w, y = (graph.tensor(t) for t in (op.inputs[0], op.inputs[1], op.outputs[0]))
    o = op.options
    b, ih, iw, cin = x.shape
    _, kh, kw, _ = w.shape
    _, oh, ow, cout = y.shape
    sh, sw, dh, dw = o["stride_h"], o["stride_w"], o["dilation_h_factor"], o["dilation_w_factor"]
    _, ph = out_size_and_padding(o["padding"], ih, kh, sh, dh)
    _, pw = out_size_and_padding(o["padding"], iw, kw, sw, dw)
    written = 0
    for q in range(b * oh * ow):
        batch, oy, ox = q // (oh * ow), q // ow % oh, q % ow
        rows = [oy * sh - ph + fy * dh for fy in range(kh)]
        cols = [ox * sw - pw + fx * dw for fx in range(kw)]
        taps = [gap + ((batch * ih + iy) * iw + ix) * cin for iy in rows if 0 <= iy < ih for ix in cols if 0 <= ix < iw]
        assert not taps or min(taps) >= written, (q, min(taps), written)
        written = (q + 1) * cout


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=str)
def test_gap_keeps_every_read_ahead_of_the_writes(geometry: tuple) -> None:
    graph = graph_of([case(np.random.default_rng(0), 0, geometry)])
    op = graph.operators[0]
    gap = lower.overlap_gap(op, graph)
    assert gap is not None and gap >= 0
    replay(graph, op, gap)
    # and the plan puts the output that far (rounded up to ALIGN) before the input
    plan = plan_memory(graph)
    if 0 in plan.overlapped:
        assert plan.overlapped[0] == -(-gap // ALIGN) * ALIGN
        assert plan.offsets[op.outputs[0]] == plan.offsets[op.inputs[0]] - plan.overlapped[0]
        x, y = graph.tensor(op.inputs[0]), graph.tensor(op.outputs[0])
        assert plan.arena_size < x.nbytes + y.nbytes


def test_no_overlap_where_the_kernel_cannot() -> None:
    """Pointwise layers run in place instead; an input that lives on (read by a later operator)
    is not overwritten."""
    rng = np.random.default_rng(1)
    graph = graph_of([case(rng, 0, (1, 6, 6, 4, 8, 1, 1, 1, "SAME"))])
    assert lower.overlap_gap(graph.operators[0], graph) is None
    assert not plan_memory(graph).overlapped
    first = case(rng, 0, GEOMETRIES[0])
    tensors = [*first.tensors, *case(rng, 1, (1, 6, 6, 16, 4, 3, 1, 1, "SAME")).tensors[1:]]
    tensors[4] = filter_tensor((4, 3, 3, 3), 0, rng, True, False)
    tensors[6] = act_tensor("y2", (1, 12, 12, 4), rng, False)
    ops = [first.op, OpSpec("CONV_2D", [0, 4, 5], [6], {"padding": "SAME", "stride_h": 1, "stride_w": 1})]
    graph = parse_model(build_model(tensors, ops, [0], [3, 6]))
    assert 0 not in plan_memory(graph).overlapped  # input 0 is read again by operator 1


@pytest.mark.parametrize("seed", range(3))
def test_overlapped_convolutions_match_litert(seed: int) -> None:
    """Every geometry in one model, each overlapping its own input (the planner keeps some
    kernels lean: blocks of two on the stack, or the generic kernel), bit for bit."""
    rng = np.random.default_rng(40 + seed)
    cases = [case(rng, i + seed, g) for i, g in enumerate(GEOMETRIES)]
    plan = plan_memory(graph_of(cases))
    assert set(plan.overlapped) == set(range(len(cases))), plan.overlapped
    assert run_packed(cases, seed, 3) > 0


def test_replay_catches_an_output_placed_too_early() -> None:
    """The replay is a real check: 64 bytes less gap overwrites a tap before it is read."""
    graph = graph_of([case(np.random.default_rng(0), 0, GEOMETRIES[2])])
    op = graph.operators[0]
    gap = lower.overlap_gap(op, graph)
    assert gap is not None
    with pytest.raises(AssertionError):
        replay(graph, op, gap - 64)
