"""QUANTIZE and DEQUANTIZE against LiteRT's reference kernels, bit for bit.

float32 -> int8 on chosen inputs (exact halves, negative values, values beyond int8 and beyond
int32, infinities, NaN), int8/uint8 requantisation tables on all 256 inputs, int8 -> float32 on
all 256 inputs compared as bits, the two edge operators of mcunet-vww1 rebuilt with their real
quantization, the refusals, and the Cortex-M7 build of the kernels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.hostrun import load_host_model
from support.opcheck import Case, check_model, reference_interpreter, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.flow.codegen import generate
from simtiny.flow.plan import plan_memory
from simtiny.lower.quant import f32
from simtiny.lower.quantize_ops import requantize_table
from simtiny.model import NUMPY_DTYPES, Graph, load_model, parse_model

KERNELS = Path(__file__).resolve().parents[2] / "firmware" / "kernels"
MODELS = Path(__file__).resolve().parents[1] / "data" / "models"
TIE_RATIOS = (1.0, 2.0, 0.5, 4.0, 1 / 0.75, 1 / 1.5, 1 / 3, 8 / 3, 1 / 0.375)


def bits(a: np.ndarray) -> np.ndarray:
    """The raw bytes of an array, so that float results compare exactly (and NaN equals NaN)."""
    return np.ascontiguousarray(a).view(np.uint8)


def compare(
    tensors: list[TensorSpec],
    op_specs: list[OpSpec],
    inputs: list[int],
    outputs: list[int],
    samples: list[list[np.ndarray]],
    label: str,
) -> None:
    """A model run on the given input values (one array per model input, per sample): simtiny against LiteRT."""
    model = build_model(tensors, op_specs, inputs, outputs)
    graph = parse_model(model)
    assert not lower.unsupported(graph), f"{label}: {lower.unsupported(graph)}"
    host = load_host_model(generate(graph, plan_memory(graph)), graph)
    interpreter = reference_interpreter(model)
    for k, values in enumerate(samples):
        for detail, value in zip(interpreter.get_input_details(), values, strict=True):
            interpreter.set_tensor(detail["index"], value)
        interpreter.invoke()
        got = host.run(values)
        for n, detail in enumerate(interpreter.get_output_details()):
            want = interpreter.get_tensor(detail["index"])
            diff = np.flatnonzero(bits(want) != bits(got[n]))
            if diff.size:
                i = diff[0] // want.itemsize
                value, out = values[min(n, len(values) - 1)], tensors[outputs[n]]
                raise AssertionError(
                    f"{label}, {op_specs[n].opcode} to {out.name} (scale {out.scale}, zero point {out.zero_point}): "
                    f"sample {k}: {diff.size} bytes differ; "
                    f"first element {i}: input {value.reshape(-1)[i]!r}, simtiny {got[n].reshape(-1)[i]!r}, "
                    f"LiteRT {want.reshape(-1)[i]!r}"
                )


def fan_out(x: TensorSpec, opcode: str, outputs: list[TensorSpec], version: int) -> tuple[list, list, list]:
    """One input feeding one operator per output tensor: (tensors, op specs, output indices)."""
    tensors = [x, *outputs]
    specs = [OpSpec(opcode, [0], [i], {}, version) for i in range(1, len(tensors))]
    return tensors, specs, list(range(1, len(tensors)))


# ---- QUANTIZE float32 -> int8 ------------------------------------------------------------------


def special_floats(scale: float, rng: np.random.Generator) -> np.ndarray:
    """Values that exercise every branch of AffineQuantize for this scale."""
    s = np.float32(scale)
    k = np.arange(-300, 301, dtype=np.float32)
    halves = (k + np.float32(0.5)) * s  # exact halves when the scale is a power of two
    near = np.concatenate([np.nextafter(halves, np.float32(np.inf)), np.nextafter(halves, np.float32(-np.inf))])
    big = np.array([2.0**31, 2.0**31 - 128, -(2.0**31), -(2.0**31) - 256, 2.0**24 + 1, 3e9, -3e9], np.float64) * scale
    extremes = np.array(
        [0.0, -0.0, 1e-45, -1e-45, 1e-38, 3.4e38, -3.4e38, 1e30, -1e30, np.inf, -np.inf, np.nan, -np.nan], np.float64
    )
    noise = rng.standard_normal(400) * scale * rng.choice([1.0, 30.0, 200.0, 1e4], size=400)
    with np.errstate(over="ignore"):
        parts = [halves, near, big.astype(np.float32), extremes.astype(np.float32), noise.astype(np.float32)]
    return np.concatenate(parts).astype(np.float32)


def quantize_scales(rng: np.random.Generator) -> list[float]:
    powers = [2.0**e for e in (-20, -7, -3, 0, 4)]
    real = [0.007839307188987732, 0.003921568859368563, 0.1468784660100937]  # mcunet-vww1 and the usual 1/255
    plausible = [f32(10 ** rng.uniform(-4, 1)) for _ in range(6)]
    extreme = [f32(2.0 ** rng.uniform(-120, 100)) for _ in range(4)]
    return [f32(s) for s in powers + real + plausible + extreme]


@pytest.mark.parametrize("seed", range(3))
def test_quantize_float_to_int8(seed: int) -> None:
    """Every scale with five zero points (both signs matter beyond int32), on every scale's values."""
    rng = np.random.default_rng(seed)
    scales = quantize_scales(rng)
    values = np.concatenate([special_floats(scale, rng) for scale in scales])
    outputs = [
        TensorSpec(f"y{k}", values.shape, "int8", scale=[scale], zero_point=[zp])
        for k, scale in enumerate(scales)
        for zp in (0, int(rng.integers(1, 128)), int(rng.integers(-128, 0)), -128, 127)
    ]
    tensors, specs, out = fan_out(TensorSpec("x", values.shape, "float32"), "QUANTIZE", outputs, 1)
    compare(tensors, specs, [0], out, [[values], [rng.permutation(values)]], f"QUANTIZE seed {seed}")


@pytest.mark.parametrize("seed", range(2))
def test_quantize_float_to_int16(seed: int) -> None:
    """The converter's 16x8 mode with float inputs: every scale with zero point 0 (the converter's)
    and two others, on every scale's values (halves, int16's edges and beyond, infinities, NaN)."""
    rng = np.random.default_rng(40 + seed)
    scales = quantize_scales(rng)
    values = np.concatenate(
        [special_floats(scale, rng) for scale in scales] + [special_floats(scale * 256, rng) for scale in scales]
    )
    outputs = [
        TensorSpec(f"y{k}", values.shape, "int16", scale=[scale], zero_point=[zp])
        for k, scale in enumerate(scales)
        for zp in (0, int(rng.integers(1, 32768)), int(rng.integers(-32768, 0)))
    ]
    tensors, specs, out = fan_out(TensorSpec("x", values.shape, "float32"), "QUANTIZE", outputs, 1)
    compare(tensors, specs, [0], out, [[values], [rng.permutation(values)]], f"QUANTIZE int16 seed {seed}")


def test_quantize_random_shapes() -> None:
    """Through check_model's own random float inputs, on 4-D shapes."""
    rng = np.random.default_rng(11)
    for shape in [(1,), (1, 5, 5, 3), (2, 7, 3, 1), (1, 80, 80, 3)]:
        scale, zp = f32(10 ** rng.uniform(-3, 0)), int(rng.integers(-128, 128))
        tensors = [TensorSpec("x", shape, "float32"), TensorSpec("y", shape, "int8", scale=[scale], zero_point=[zp])]
        check_model(tensors, [OpSpec("QUANTIZE", [0], [1], {}, 1)], [0], [1], rng, 4, f"QUANTIZE {shape}")


# ---- QUANTIZE int8/uint8 -> int8/uint8: tables against LiteRT on every input --------------------

PAIRS = [("int8", "int8"), ("int8", "uint8"), ("uint8", "int8"), ("uint8", "uint8")]


def zero_point(dtype: str, rng: np.random.Generator) -> int:
    return int(rng.integers(-128, 128)) + (128 if dtype == "uint8" else 0)


@pytest.mark.parametrize(("din", "dout"), PAIRS)
def test_requantize_table_matches_litert(din: str, dout: str) -> None:
    rng = np.random.default_rng(PAIRS.index((din, dout)) + 20)
    every = (np.arange(256) - (128 if din == "int8" else 0)).astype(NUMPY_DTYPES[din])
    for case in range(200):
        extreme = case % 4 == 3
        in_scale = f32(2.0 ** rng.uniform(-30, 20) if extreme else 10 ** rng.uniform(-3, 0))
        out_scale = (
            f32(in_scale * rng.choice(TIE_RATIOS))
            if case % 3 == 0
            else f32(2.0 ** rng.uniform(-30, 20) if extreme else 10 ** rng.uniform(-3, 0))
        )
        in_zp, out_zp = zero_point(din, rng), zero_point(dout, rng)
        if case % 5 == 0 and din != dout:
            out_zp = in_zp + (128 if dout == "uint8" else -128)  # LiteRT's "xor 0x80" fast-path case
        tensors = [
            TensorSpec("x", (256,), din, scale=[in_scale], zero_point=[in_zp]),
            TensorSpec("y", (256,), dout, scale=[out_scale], zero_point=[out_zp]),
        ]
        model = build_model(tensors, [OpSpec("QUANTIZE", [0], [1], {}, 2)], [0], [1])
        graph = parse_model(model)
        if lower.registry()["QUANTIZE"].check(graph.operators[0], graph):
            continue
        interpreter = reference_interpreter(model)
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], every)
        interpreter.invoke()
        want = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        got = requantize_table(din, in_scale, in_zp, dout, out_scale, out_zp)[every.view(np.uint8)].view(dout)
        diff = np.flatnonzero(want != got)
        assert diff.size == 0, (
            f"{din}->{dout} scale {in_scale!r}->{out_scale!r} zp {in_zp}->{out_zp}: {diff.size} differ, first "
            f"input {every[diff[0]]}: simtiny {got[diff[0]]}, LiteRT {want[diff[0]]}"
        )


@pytest.mark.parametrize(("din", "dout"), PAIRS)
def test_requantize_compiled(din: str, dout: str) -> None:
    rng = np.random.default_rng(PAIRS.index((din, dout)) + 40)
    for shape in [(1,), (5,), (1, 6, 6, 3), (2, 3, 17)]:
        in_scale = f32(10 ** rng.uniform(-3, 0))
        out_scale = f32(in_scale * rng.choice(TIE_RATIOS)) if rng.random() < 0.5 else f32(10 ** rng.uniform(-3, 0))
        tensors = [
            TensorSpec("x", shape, din, scale=[in_scale], zero_point=[zero_point(din, rng)]),
            TensorSpec("y", shape, dout, scale=[out_scale], zero_point=[zero_point(dout, rng)]),
        ]
        check_model(tensors, [OpSpec("QUANTIZE", [0], [1], {}, 2)], [0], [1], rng, 6, f"QUANTIZE {din}->{dout} {shape}")


# ---- DEQUANTIZE int8 -> float32 ----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_dequantize_all_inputs(seed: int) -> None:
    rng = np.random.default_rng(seed + 60)
    every = np.arange(-128, 128, dtype=np.int8)
    scales = [f32(10 ** rng.uniform(-4, 1)) for _ in range(12)] + [f32(2.0 ** rng.uniform(-140, 120)) for _ in range(6)]
    scales += [0.1468784660100937, 2.0**-7, 3.0e38, 1e-44]  # mcunet-vww1, exact, overflow to inf, denormal
    # DEQUANTIZE reads its quantization from its input: one model input per scale, same values.
    n = len(scales)
    tensors = [
        TensorSpec(f"x{k}", (256,), "int8", scale=[f32(scale)], zero_point=[int(rng.integers(-128, 128))])
        for k, scale in enumerate(scales)
    ]
    tensors += [TensorSpec(f"y{k}", (256,), "float32") for k in range(n)]
    specs = [OpSpec("DEQUANTIZE", [k], [n + k], {}, 2) for k in range(n)]
    samples = [[every] * n, [rng.permutation(every) for _ in range(n)]]
    compare(tensors, specs, list(range(n)), list(range(n, 2 * n)), samples, f"DEQUANTIZE seed {seed}")


def test_dequantize_every_int16() -> None:
    """DEQUANTIZE int16 -> float32 (16x8 models with float outputs) on all 65,536 values."""
    rng = np.random.default_rng(64)
    every = np.arange(-32768, 32768, dtype=np.int16)
    scales = [f32(10 ** rng.uniform(-6, 0)) for _ in range(4)] + [f32(2.0**-15), 3.0e38, 1e-44]
    n = len(scales)
    tensors = [TensorSpec(f"x{k}", every.shape, "int16", scale=[s], zero_point=[0]) for k, s in enumerate(scales)]
    tensors += [TensorSpec(f"y{k}", every.shape, "float32") for k in range(n)]
    specs = [OpSpec("DEQUANTIZE", [k], [n + k], {}, 2) for k in range(n)]
    compare(tensors, specs, list(range(n)), list(range(n, 2 * n)), [[every] * n], "DEQUANTIZE int16")


# ---- the edges of mcunet-vww1 with their real quantization --------------------------------------


def spec_of(graph: Graph, index: int, name: str) -> TensorSpec:
    t = graph.tensor(index)
    if t.quant is None:
        return TensorSpec(name, t.shape, t.dtype)
    return TensorSpec(name, t.shape, t.dtype, scale=list(t.quant.scale), zero_point=list(t.quant.zero_point))


def test_mcunet_vww1_edges() -> None:
    graph = load_model(MODELS / "mcunet-vww1.tflite")
    first, last = graph.operators[0], graph.operators[-1]
    assert (first.opcode, last.opcode) == ("QUANTIZE", "DEQUANTIZE")
    rng = np.random.default_rng(5)
    for op in (first, last):
        tensors = [spec_of(graph, op.inputs[0], "x"), spec_of(graph, op.outputs[0], "y")]
        spec = OpSpec(op.opcode, [0], [1], dict(op.options), op.version)
        shape = tensors[0].shape
        if op.opcode == "QUANTIZE":
            scale = tensors[1].scale[0]
            pool = special_floats(scale, rng)
            values = [rng.choice(pool, size=shape).astype(np.float32) for _ in range(3)]
            values.append((rng.uniform(0, 1, size=shape) * 2 - 1).astype(np.float32))  # a normalised image
        else:
            values = [rng.integers(-128, 128, size=shape, dtype=np.int8) for _ in range(50)]
        compare(tensors, [spec], [0], [1], [[v] for v in values], f"mcunet-vww1 {op.opcode}")


# ---- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_int16_requantisation(seed: int) -> None:
    """QUANTIZE int16 -> int8 and int16 -> int32 (keyword_scrambled's first and last operators),
    int16 -> int16 and int8 -> int16 (16x8 models), random scales and zero points (0 for an int16
    output, as the converter writes them), every input of the int16 range reachable."""
    rng = np.random.default_rng(950 + seed)
    cases = []
    for source, target in (
        ("int16", "int8"),
        ("int16", "int8"),
        ("int16", "int32"),
        ("int16", "int16"),
        ("int8", "int16"),
    ):
        x_scale = f32(10 ** rng.uniform(-5, -2))
        ratio = {"int8": 10 ** rng.uniform(-3, 1), "int32": 10 ** rng.uniform(-1, 2)}.get(
            target, 10 ** rng.uniform(-1.5, 1.5)
        )
        if source == "int8":
            ratio *= 256  # an int8 value widened to int16's range, as 16x8 models take int8 inputs
        shape = (int(rng.integers(1, 40)),)
        x_zp = {"int16": 0 if target == "int16" else int(rng.integers(-99, 99)), "int8": int(rng.integers(-128, 128))}[
            source
        ]
        y_zp = 0 if source == target == "int16" else int(rng.integers(-128, 128))
        tensors = [
            TensorSpec("x", shape, source, scale=[x_scale], zero_point=[x_zp]),
            TensorSpec("y", shape, target, scale=[f32(x_scale / ratio)], zero_point=[y_zp]),
        ]
        label = f"QUANTIZE {source} -> {target} ratio {ratio:g}"
        cases.append(Case(label, tensors, OpSpec("QUANTIZE", [0], [1])))
    assert run_packed(cases, seed, 6) > 0


def int16_edges(rng: np.random.Generator) -> list[Case]:
    """The edges of a 16x8 model: QUANTIZE float32 -> int16, int8 -> int16 and int16 -> int16,
    DEQUANTIZE int16 -> float32, random scales."""
    shape = (int(rng.integers(1, 30)),)
    x_scale = f32(10 ** rng.uniform(-4, -2))

    def quantize(source: str, target: str, x_zp: int, y_zp: int, ratio: float) -> Case:
        q = {"scale": [x_scale], "zero_point": [x_zp]} if source != "float32" else {}
        r = {"scale": [f32(x_scale / ratio)], "zero_point": [y_zp]} if target != "float32" else {}
        opcode = "DEQUANTIZE" if target == "float32" else "QUANTIZE"
        tensors = [TensorSpec("x", shape, source, **q), TensorSpec("y", shape, target, **r)]
        return Case(f"{opcode} {source} -> {target}", tensors, OpSpec(opcode, [0], [1]))

    return [
        quantize("float32", "int16", 0, int(rng.integers(-300, 300)), 1.0),
        quantize("int8", "int16", int(rng.integers(-128, 128)), 0, 256 * 10 ** rng.uniform(-1, 1)),
        quantize("int16", "int16", 0, 0, 10 ** rng.uniform(-1, 1)),
        quantize("int16", "float32", 0, 0, 1.0),
    ]


def test_int16_edges() -> None:
    rng = np.random.default_rng(990)
    assert run_packed([case for _ in range(3) for case in int16_edges(rng)], 7, 4) > 0


def check_of(opcode: str, tensors: list[TensorSpec]) -> str | None:
    graph = parse_model(build_model(tensors, [OpSpec(opcode, [0], [1])], [0], [1]))
    return lower.registry()[opcode].check(graph.operators[0], graph)


def test_refusals() -> None:
    q = {"scale": [0.1], "zero_point": [0]}
    assert check_of("QUANTIZE", [TensorSpec("x", (4,), "float32"), TensorSpec("y", (4,), "int8", **q)]) is None
    assert check_of("QUANTIZE", [TensorSpec("x", (4,), "float32"), TensorSpec("y", (4,), "uint8", **q)]) == (
        "uint8 output"
    )
    assert check_of("QUANTIZE", [TensorSpec("x", (4,), "float32"), TensorSpec("y", (4,), "int16", **q)]) is None
    assert check_of("QUANTIZE", [TensorSpec("x", (4,), "int16", **q), TensorSpec("y", (4,), "int8", **q)]) is None
    assert check_of("QUANTIZE", [TensorSpec("x", (4,), "int16", **q), TensorSpec("y", (4,), "int16", **q)]) is None
    shifted = {"scale": [0.1], "zero_point": [5]}
    for x, y in ((shifted, q), (q, shifted)):
        tensors = [TensorSpec("x", (4,), "int16", **x), TensorSpec("y", (4,), "int16", **y)]
        assert check_of("QUANTIZE", tensors) == "int16 to int16 with a zero point other than 0 (LiteRT requires 0)"
    assert check_of("QUANTIZE", [TensorSpec("x", (4,), "float32"), TensorSpec("y", (4,), "int16", **shifted)]) is None
    assert check_of("QUANTIZE", [TensorSpec("x", (4,), "float32"), TensorSpec("y", (4,), "int32", **q)]) == (
        "int32 output"
    )
    wide = {"scale": [f32(2.0**-20)], "zero_point": [0]}
    assert check_of("QUANTIZE", [TensorSpec("x", (4,), "int16", **q), TensorSpec("y", (4,), "int32", **wide)]) == (
        "input/output scale ratio beyond 2^15 (int32 overflow in LiteRT)"
    )
    per_channel = TensorSpec("y", (1, 2), "int8", scale=[0.1, 0.2], zero_point=[0, 0], quantized_dimension=1)
    assert check_of("QUANTIZE", [TensorSpec("x", (1, 2), "float32"), per_channel]) == "per-channel output"
    assert check_of("QUANTIZE", [TensorSpec("x", (4,), "float32"), TensorSpec("y", (4,), "int8")]) == (
        "unquantized output"
    )
    huge = {"scale": [f32(2.0**-30)], "zero_point": [0]}
    assert check_of("QUANTIZE", [TensorSpec("x", (4,), "int8", **q), TensorSpec("y", (4,), "int8", **huge)]) == (
        "input/output scale ratio beyond 2^23 (int32 overflow in LiteRT)"
    )
    assert check_of("DEQUANTIZE", [TensorSpec("x", (4,), "int8", **q), TensorSpec("y", (4,), "float32")]) is None
    assert check_of("DEQUANTIZE", [TensorSpec("x", (4,), "int16", **q), TensorSpec("y", (4,), "float32")]) is None
    assert check_of("DEQUANTIZE", [TensorSpec("x", (4,), "uint8", **q), TensorSpec("y", (4,), "float32")]) == (
        "uint8 input"
    )
    assert check_of("DEQUANTIZE", [TensorSpec("x", (4,), "float16"), TensorSpec("y", (4,), "float32")]) == (
        "float16 input"
    )
    per_channel_in = TensorSpec("x", (1, 2), "int8", scale=[0.1, 0.2], zero_point=[0, 0], quantized_dimension=1)
    assert check_of("DEQUANTIZE", [per_channel_in, TensorSpec("y", (1, 2), "float32")]) == "per-channel input"


# ---- the kernels build for the Cortex-M7 -------------------------------------------------------

ZIG_TARGET = ["-target", "thumb-freestanding-eabihf", "-mcpu=cortex_m7+fp_armv8d16"]
