"""CONCATENATION, PAD/PADV2, TRANSPOSE, STRIDED_SLICE, RESIZE_NEAREST_NEIGHBOR against LiteRT.

Random configurations from fixed seeds (several independent operators share one model, to
compile fewer libraries), int8 mostly plus the other element sizes the kernels move, the
operators' refusals, and the kernels compiled for the Cortex-M7.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from support.opcheck import Case, check_model, run_packed
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.lower.movement import merge_loops, nearest_sources, plan_strided_slice
from simtiny.model import parse_model

KERNELS = Path(__file__).resolve().parents[2] / "firmware" / "kernels"


def qparams(rng: np.random.Generator) -> tuple[list[float], list[int]]:
    return [float(np.float32(rng.uniform(0.002, 0.2)))], [int(rng.integers(-128, 128))]


def data_tensor(
    name: str,
    shape: tuple[int, ...],
    dtype: str,
    q: tuple[list[float], list[int]] | None,
    rng: np.random.Generator | None = None,
) -> TensorSpec:
    """An activation (or, with rng, a random constant) of `dtype`; int8/int16 quantized by q."""
    data = None
    if rng is not None:
        if dtype == "float32":
            data = rng.standard_normal(shape).astype(np.float32)
        else:
            info = np.iinfo(dtype)
            data = rng.integers(info.min, info.max, size=shape, endpoint=True, dtype=dtype)
    if dtype in ("int8", "int16") and q is not None:
        return TensorSpec(name, shape, dtype, scale=q[0], zero_point=q[1], data=data)
    return TensorSpec(name, shape, dtype, data=data)


def random_dtype(
    rng: np.random.Generator, choices=("int8", "int8", "int8", "int8", "int16", "int32", "float32")
) -> str:
    return str(rng.choice(choices))


def int_const(name: str, values, dtype: str = "int32") -> TensorSpec:
    array = np.array(values, dtype=dtype)
    return TensorSpec(name, array.shape, dtype, data=array)


# ---- CONCATENATION -----------------------------------------------------------------------------


def random_concat(rng: np.random.Generator) -> Case:
    dtype = random_dtype(rng)
    rank = int(rng.integers(1, 6))
    shape = [int(rng.integers(1, 5)) for _ in range(rank)]
    axis = int(rng.integers(-rank, rank))
    q = qparams(rng)
    if dtype == "int16":
        q = (q[0], [0])
    count = int(rng.integers(1, 5))
    tensors, inputs, extents = [], [], []
    for k in range(count):
        s = list(shape)
        s[axis] = int(rng.integers(1, 5))
        extents.append(s[axis])
        constant = k > 0 and rng.random() < 0.25
        tensors.append(data_tensor(f"x{k}", tuple(s), dtype, q, rng if constant else None))
        if not constant:
            inputs.append(k)
    out = list(shape)
    out[axis] = sum(extents)
    tensors.append(data_tensor("y", tuple(out), dtype, q))
    label = f"CONCATENATION {dtype} axis {axis} extents {extents} of {shape}"
    return Case(label, tensors, OpSpec("CONCATENATION", list(range(count)), [count], {"axis": axis}), inputs)


# ---- PAD / PADV2 -------------------------------------------------------------------------------


def random_pad(rng: np.random.Generator) -> Case:
    dtype = random_dtype(rng)
    rank = int(rng.integers(1, 6))
    shape = tuple(int(rng.integers(1, 5)) for _ in range(rank))
    pads = rng.integers(0, 4, size=(rank, 2))
    if rank == 4 and rng.random() < 0.5:
        pads[0] = pads[3] = 0  # LiteRT's "image style" pattern
    q_in = qparams(rng)
    q_out = q_in if rng.random() < 0.8 else qparams(rng)  # LiteRT copies raw values either way
    out = tuple(int(n + a + b) for n, (a, b) in zip(shape, pads, strict=True))
    pad_dtype = str(rng.choice(["int32", "int64"]))
    tensors = [
        data_tensor("x", shape, dtype, q_in),
        int_const("paddings", pads, pad_dtype),
        data_tensor("y", out, dtype, q_out),
    ]
    kind = str(rng.choice(["PAD", "PADV2 constant", "PADV2 input"]))
    label = f"{kind} {dtype} {list(shape)} paddings {pads.tolist()} ({pad_dtype})"
    if kind == "PAD":
        return Case(label, tensors, OpSpec("PAD", [0, 1], [2]))
    value_shape = () if rng.random() < 0.5 else (1,)
    value = data_tensor("value", value_shape, dtype, q_out, rng if kind == "PADV2 constant" else None)
    tensors.insert(2, value)
    return Case(label, tensors, OpSpec("PADV2", [0, 1, 2], [3]), [0] if kind == "PADV2 constant" else [0, 2])


# ---- TRANSPOSE ---------------------------------------------------------------------------------


def random_transpose(rng: np.random.Generator, rank: int | None = None) -> Case:
    dtype = random_dtype(rng)
    rank = rank or int(rng.choice([1, 2, 3, 4, 4, 4, 5, 6]))
    shape = tuple(int(rng.integers(1, 5 if rank < 6 else 3)) for _ in range(rank))
    perm = [int(p) for p in rng.permutation(rank)]
    written = [p - rank if rng.random() < 0.2 else p for p in perm]  # negative entries count from the end
    q = qparams(rng)
    tensors = [
        data_tensor("x", shape, dtype, q),
        int_const("perm", written),
        data_tensor("y", tuple(shape[p] for p in perm), dtype, q),
    ]
    return Case(f"TRANSPOSE {dtype} {list(shape)} perm {written}", tensors, OpSpec("TRANSPOSE", [0, 1], [2]))


# ---- STRIDED_SLICE -----------------------------------------------------------------------------


def random_slice_spec(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[list, list, list, dict]:
    rank = len(shape)
    opts: dict = {}
    count = rank if rng.random() < 0.7 else int(rng.integers(1, rank + 1))
    if rng.random() < 0.2:
        opts["ellipsis_mask"] = 1 << int(rng.integers(count))
    if rng.random() < 0.2:
        opts["new_axis_mask"] = int(rng.integers(1, 1 << count))
        count = min(count + 1, 31)
    offset = rng.random() < 0.1
    begin, end, strides = [], [], []
    for i in range(count):
        size = shape[min(i, rank - 1)]
        if offset:
            b = int(rng.integers(0, size))
            begin.append(b)
            end.append(int(rng.integers(0, size - b + 1)))
            strides.append(1)
            continue
        stride = int(rng.choice([1, 1, 1, 2, 3, -1, -1, -2]))
        begin.append(int(rng.integers(-size - 2, size + 3)))
        end.append(int(rng.integers(-size - 2, size + 3)))
        strides.append(stride)
    for key, p in (("begin_mask", 0.2), ("end_mask", 0.2), ("shrink_axis_mask", 0.15)):
        bits = sum(1 << i for i in range(count) if rng.random() < p)
        if bits:
            opts[key] = bits
    if offset:
        opts["offset"] = True
    return begin, end, strides, opts


def random_slice(rng: np.random.Generator) -> Case:
    dtype = random_dtype(rng)
    while True:
        rank = int(rng.integers(1, 6))
        shape = tuple(int(rng.integers(1, 7)) for _ in range(rank))
        begin, end, strides, opts = random_slice_spec(rng, shape)
        plan = plan_strided_slice(shape, begin, end, strides, opts)
        if isinstance(plan, str) or 0 in plan.output_shape:
            continue
        if math.prod(plan.counts) == math.prod(plan.output_shape):
            break
    q = qparams(rng)
    tensors = [
        data_tensor("x", shape, dtype, q),
        int_const("begin", begin),
        int_const("end", end),
        int_const("strides", strides),
        data_tensor("y", tuple(plan.output_shape), dtype, q),
    ]
    label = f"STRIDED_SLICE {dtype} {list(shape)} begin {begin} end {end} strides {strides} {opts}"
    return Case(label, tensors, OpSpec("STRIDED_SLICE", [0, 1, 2, 3], [4], opts))


# ---- RESIZE_NEAREST_NEIGHBOR -------------------------------------------------------------------


def random_resize(rng: np.random.Generator) -> Case:
    dtype = random_dtype(rng, ("int8", "int8", "int8", "int16", "float32"))
    shape = (int(rng.integers(1, 3)), int(rng.integers(1, 7)), int(rng.integers(1, 7)), int(rng.integers(1, 5)))
    size = [int(rng.integers(1, 13)), int(rng.integers(1, 13))]
    opts = {"align_corners": bool(rng.random() < 0.4), "half_pixel_centers": bool(rng.random() < 0.4)}
    q = qparams(rng)
    tensors = [
        data_tensor("x", shape, dtype, q),
        int_const("size", size),
        data_tensor("y", (shape[0], size[0], size[1], shape[3]), dtype, q),
    ]
    label = f"RESIZE_NEAREST_NEIGHBOR {dtype} {list(shape)} -> {size} {opts}"
    return Case(label, tensors, OpSpec("RESIZE_NEAREST_NEIGHBOR", [0, 1], [2], opts))


def random_bilinear(rng: np.random.Generator) -> Case:
    """RESIZE_BILINEAR int8: up and down, align_corners or half_pixel_centers (LiteRT refuses both)."""
    shape = (int(rng.integers(1, 3)), int(rng.integers(1, 7)), int(rng.integers(1, 7)), int(rng.integers(1, 5)))
    size = [int(rng.integers(1, 13)), int(rng.integers(1, 13))]
    mode = str(rng.choice(["align", "half", "none"]))
    opts = {"align_corners": mode == "align", "half_pixel_centers": mode == "half"}
    q = qparams(rng)
    tensors = [
        data_tensor("x", shape, "int8", q),
        int_const("size", size),
        data_tensor("y", (shape[0], size[0], size[1], shape[3]), "int8", q),
    ]
    label = f"RESIZE_BILINEAR {list(shape)} -> {size} {opts}"
    return Case(label, tensors, OpSpec("RESIZE_BILINEAR", [0, 1], [2], opts))


# ---- SPLIT, SPLIT_V -----------------------------------------------------------------------------


def random_split(rng: np.random.Generator) -> Case:
    dtype = random_dtype(rng)
    rank = int(rng.integers(1, 5))
    shape = [int(rng.integers(1, 5)) for _ in range(rank)]
    axis = int(rng.integers(-rank, rank))
    q = qparams(rng) if dtype != "int16" else (qparams(rng)[0], [0])
    n = int(rng.integers(1, 5))
    if rng.random() < 0.5:  # SPLIT: n equal parts
        shape[axis] = n * int(rng.integers(1, 4))
        extents = [shape[axis] // n] * n
        given: list[int] = []
    else:  # SPLIT_V: sizes of at least 1, one of them maybe -1
        shape[axis] = n + int(rng.integers(0, 6))
        cuts = sorted(rng.choice(np.arange(1, shape[axis]), size=n - 1, replace=False)) if n > 1 else []
        extents = [int(b - a) for a, b in zip([0, *cuts], [*cuts, shape[axis]], strict=True)]
        given = list(extents)
        if rng.random() < 0.4:
            given[int(rng.integers(n))] = -1
    outs = [
        data_tensor(f"y{k}", (*shape[: axis % rank], e, *shape[axis % rank + 1 :]), dtype, q)
        for k, e in enumerate(extents)
    ]
    x = data_tensor("x", tuple(shape), dtype, q)
    if not given:
        tensors = [int_const("axis", [axis]), x, *outs]
        op = OpSpec("SPLIT", [0, 1], list(range(2, 2 + n)), {"num_splits": n})
        return Case(f"SPLIT {dtype} {shape} axis {axis} into {n}", tensors, op, inputs=[1])
    tensors = [x, int_const("sizes", given), int_const("axis", [axis]), *outs]
    op = OpSpec("SPLIT_V", [0, 1, 2], list(range(3, 3 + n)), {"num_splits": n})
    return Case(f"SPLIT_V {dtype} {shape} axis {axis} sizes {given}", tensors, op)


def random_pack(rng: np.random.Generator) -> Case:
    """PACK (N inputs, a new axis) or UNPACK (an axis cut into its slices)."""
    dtype = random_dtype(rng)
    q = qparams(rng) if dtype != "int16" else (qparams(rng)[0], [0])
    rank = int(rng.integers(0, 4))
    shape = [int(rng.integers(1, 5)) for _ in range(rank)]
    n = int(rng.integers(1, 5))
    axis = int(rng.integers(-(rank + 1), rank + 1))
    if rng.random() < 0.5:
        a = axis % (rank + 1)
        out = (*shape[:a], n, *shape[a:])
        tensors = [data_tensor(f"x{k}", tuple(shape), dtype, q) for k in range(n)] + [data_tensor("y", out, dtype, q)]
        op = OpSpec("PACK", list(range(n)), [n], {"values_count": n, "axis": axis})
        return Case(f"PACK {n} x {dtype} {shape} axis {axis}", tensors, op, inputs=list(range(n)))
    full = [int(rng.integers(1, 5)) for _ in range(rank + 1)]
    a = axis % (rank + 1)
    full[a] = n
    out = (*full[:a], *full[a + 1 :])
    tensors = [data_tensor("x", tuple(full), dtype, q)] + [data_tensor(f"y{k}", out, dtype, q) for k in range(n)]
    op = OpSpec("UNPACK", [0], list(range(1, n + 1)), {"num": n, "axis": axis})
    return Case(f"UNPACK {dtype} {full} axis {axis}", tensors, op)


def random_gather(rng: np.random.Generator) -> Case:
    """GATHER of a model input by constant indices (int32 or int64, repeats, rank 0 to 2)."""
    dtype = random_dtype(rng)
    q = qparams(rng) if dtype != "int16" else (qparams(rng)[0], [0])
    rank = int(rng.integers(1, 4))
    shape = [int(rng.integers(1, 5)) for _ in range(rank)]
    axis = int(rng.integers(-rank, rank))
    a = axis % rank
    index_shape = tuple(int(v) for v in rng.integers(1, 4, int(rng.integers(0, 3))))
    index_type = str(rng.choice(["int32", "int64"]))
    indices = rng.integers(0, shape[a], size=index_shape).astype(index_type)
    out = (*shape[:a], *index_shape, *shape[a + 1 :])
    tensors = [
        data_tensor("x", tuple(shape), dtype, q),
        TensorSpec("indices", index_shape, index_type, data=indices),
        data_tensor("y", out, dtype, q),
    ]
    label = f"GATHER {dtype} {shape} axis {axis} indices {indices.tolist()}"
    return Case(label, tensors, OpSpec("GATHER", [0, 1], [2], {"axis": axis}))


GENERATORS = {
    "bilinear": (random_bilinear, 900),
    "gather": (random_gather, 800),
    "pack": (random_pack, 700),
    "split": (random_split, 600),
    "concat": (random_concat, 100),
    "pad": (random_pad, 200),
    "transpose": (random_transpose, 300),
    "strided_slice": (random_slice, 400),
    "resize": (random_resize, 500),
}
MODELS, CASES_PER_MODEL, SAMPLES = 24, 10, 4


@pytest.mark.parametrize("seed", range(MODELS))
@pytest.mark.parametrize("family", sorted(GENERATORS))
def test_random(family: str, seed: int) -> None:
    generate, base = GENERATORS[family]
    rng = np.random.default_rng(base + seed)
    cases = [generate(rng) for _ in range(CASES_PER_MODEL)]
    assert run_packed(cases, seed, SAMPLES) > 0


def test_gather_by_computed_indices() -> None:
    """Indices a model computes (ARG_MAX's, always in range) pick rows of a constant table."""
    rng = np.random.default_rng(21)
    table = rng.integers(-128, 128, size=(6, 5), dtype=np.int8)
    tensors = [
        TensorSpec("x", (4, 6), "int8", scale=[0.1], zero_point=[0]),
        int_const("axis", [1]),
        TensorSpec("index", (4,), "int32"),
        TensorSpec("table", (6, 5), "int8", scale=[0.2], zero_point=[3], data=table),
        TensorSpec("y", (4, 5), "int8", scale=[0.2], zero_point=[3]),
    ]
    ops = [OpSpec("ARG_MAX", [0, 1], [2], {"output_type": 2}), OpSpec("GATHER", [3, 2], [4], {"axis": 0})]
    assert check_model(tensors, ops, [0], [4], rng, samples=8, label="ARG_MAX -> GATHER").elements == 8 * 20


# ---- edge cases --------------------------------------------------------------------------------


def slice_case(
    shape: tuple[int, ...],
    begin: list[int],
    end: list[int],
    strides: list[int],
    opts: dict,
    rng: np.random.Generator,
    dtype: str = "int8",
) -> Case:
    plan = plan_strided_slice(shape, begin, end, strides, opts)
    assert not isinstance(plan, str), plan
    q = qparams(rng)
    tensors = [
        data_tensor("x", shape, dtype, q),
        int_const("begin", begin),
        int_const("end", end),
        int_const("strides", strides),
        data_tensor("y", tuple(plan.output_shape), dtype, q),
    ]
    label = f"STRIDED_SLICE {list(shape)} {begin} {end} {strides} {opts} -> {plan.output_shape}"
    return Case(label, tensors, OpSpec("STRIDED_SLICE", [0, 1, 2, 3], [4], opts))


def test_slice_patterns() -> None:
    """The slices converters emit: ranges, reversal, x[..., 1], x[:, None], x[2], x[-1], offset."""
    rng = np.random.default_rng(41)
    patterns = [
        ((5,), [1], [3], [1], {}),
        ((5,), [0], [0], [-1], {"begin_mask": 1, "end_mask": 1}),
        ((2, 3, 4), [0, 1], [0, 2], [1, 1], {"ellipsis_mask": 1, "shrink_axis_mask": 2}),
        ((3, 4), [0, 0, 0], [0, 0, 0], [1, 1, 1], {"begin_mask": 5, "end_mask": 5, "new_axis_mask": 2}),
        ((4, 3), [2], [3], [1], {"shrink_axis_mask": 1}),
        ((4, 3), [-1], [0], [1], {"shrink_axis_mask": 1}),
        ((1, 8, 8, 3), [0, 1, 2, 0], [1, 5, 3, 3], [1, 1, 1, 1], {"offset": True}),
        ((), [], [], [], {}),
        ((6,), [-100], [100], [2], {}),
        ((6,), [100], [-100], [-3], {}),
        ((3,), [0], [3], [7], {}),
        ((2, 3, 4, 5, 6), [1, 0, -1, 4, 5], [2, 3, 0, 0, 0], [1, 2, -1, -2, -3], {}),
        ((1, 10, 10, 16), [0, 0, 0, 0], [1, 10, 10, 16], [1, 2, 2, 1], {}),
        ((2, 3), [0, 0], [0, 0], [1, 1], {"ellipsis_mask": 1, "new_axis_mask": 2}),
    ]
    cases = [slice_case(*p, rng) for p in patterns]
    cases.append(slice_case((4, 6), [1, -1], [3, 0], [1, -2], {}, rng, "int32"))
    assert run_packed(cases, 42, 6) > 0


def test_big_and_deep() -> None:
    """Rank 8 and NHWC<->NCHW transposes, image-style and rank-5 padding, wide concatenations."""
    rng = np.random.default_rng(51)
    q = qparams(rng)
    cases = [random_transpose(rng, 8), random_transpose(rng, 8)]
    cases.append(
        Case(
            "TRANSPOSE NHWC->NCHW",
            [
                data_tensor("x", (1, 24, 20, 8), "int8", q),
                int_const("perm", [0, 3, 1, 2]),
                data_tensor("y", (1, 8, 24, 20), "int8", q),
            ],
            OpSpec("TRANSPOSE", [0, 1], [2]),
        )
    )
    cases.append(
        Case(
            "PAD image style",
            [
                data_tensor("x", (1, 20, 20, 8), "int8", q),
                int_const("p", [[0, 0], [1, 2], [3, 0], [0, 0]]),
                data_tensor("y", (1, 23, 23, 8), "int8", q),
            ],
            OpSpec("PAD", [0, 1], [2]),
        )
    )
    cases.append(
        Case(
            "PAD rank 5",
            [
                data_tensor("x", (2, 1, 3, 2, 2), "int8", q),
                int_const("p", [[1, 1], [0, 2], [1, 0], [2, 2], [0, 1]], "int64"),
                data_tensor("y", (4, 3, 4, 6, 3), "int8", q),
            ],
            OpSpec("PAD", [0, 1], [2]),
        )
    )
    inputs = [data_tensor(f"x{k}", (2, k + 1, 3), "int8", q) for k in range(8)]
    cases.append(
        Case(
            "CONCATENATION of 8",
            [*inputs, data_tensor("y", (2, 36, 3), "int8", q)],
            OpSpec("CONCATENATION", list(range(8)), [8], {"axis": -2}),
            list(range(8)),
        )
    )
    cases.append(
        Case(
            "CONCATENATION of 1",
            [data_tensor("x", (3, 4), "int8", q), data_tensor("y", (3, 4), "int8", q)],
            OpSpec("CONCATENATION", [0], [1], {"axis": 1}),
        )
    )
    assert run_packed(cases, 52, 4) > 0


def test_resize_corners() -> None:
    """Every flag combination on up- and downscales, 1x1 inputs and outputs, identity sizes."""
    rng = np.random.default_rng(61)
    cases = []
    for (h, w), (oh, ow) in [((1, 1), (7, 5)), ((5, 7), (1, 1)), ((3, 4), (3, 4)), ((4, 4), (9, 2)), ((7, 3), (2, 11))]:
        for align in (False, True):
            for half in (False, True):
                q = qparams(rng)
                opts = {"align_corners": align, "half_pixel_centers": half}
                tensors = [
                    data_tensor("x", (1, h, w, 3), "int8", q),
                    int_const("size", [oh, ow]),
                    data_tensor("y", (1, oh, ow, 3), "int8", q),
                ]
                cases.append(
                    Case(
                        f"RESIZE {h}x{w}->{oh}x{ow} {opts}",
                        tensors,
                        OpSpec("RESIZE_NEAREST_NEIGHBOR", [0, 1], [2], opts),
                    )
                )
    assert run_packed(cases, 62, 4) > 0


def test_index_helpers() -> None:
    assert nearest_sources(2, 4, False, False) == [0, 0, 1, 1]
    assert nearest_sources(4, 2, False, False) == [0, 2]
    assert nearest_sources(3, 5, True, False) == [0, 1, 1, 2, 2]
    assert nearest_sources(2, 4, False, True) == [0, 0, 1, 1]
    assert merge_loops([2, 3, 4], [12, 4, 1]) == ([24], [1])
    assert merge_loops([4, 1, 6], [1, 99, 4]) == ([4, 6], [1, 4])
    assert merge_loops([1, 1], [5, 7]) == ([1], [0])
    plan = plan_strided_slice((4, 6), [1, -1], [3, 0], [1, -2], {})
    assert not isinstance(plan, str)
    assert plan.counts == [2, 3] and plan.output_shape == [2, 3] and plan.starts == [1, 5]


# ---- refusals -----------------------------------------------------------------------------------


def checked(
    opcode: str,
    tensors: list[TensorSpec],
    op_inputs: list[int],
    options: dict | None = None,
    graph_inputs: list[int] | None = None,
) -> str | None:
    out = len(tensors) - 1
    model = build_model(tensors, [OpSpec(opcode, op_inputs, [out], options or {})], graph_inputs or [0], [out])
    graph = parse_model(model)
    return lower.registry()[opcode].check(graph.operators[0], graph)


def test_concat_refusals() -> None:
    q, other = ([0.1], [3]), ([0.2], [3])
    two = [
        data_tensor("a", (2, 3), "int8", q),
        data_tensor("b", (2, 2), "int8", q),
        data_tensor("y", (2, 5), "int8", q),
    ]
    assert checked("CONCATENATION", two, [0, 1], {"axis": -1}, [0, 1]) is None
    assert checked("CONCATENATION", two, [0, 1], {"axis": 0}, [0, 1]) == (
        "input 1 shape [2, 2] does not match input 0 [2, 3]"
    )
    assert checked("CONCATENATION", two, [0, 1], {"axis": 1, "fused_activation_function": "RELU"}, [0, 1]) == (
        "fused activation RELU (LiteRT refuses one)"
    )
    assert checked("CONCATENATION", two, [0, 1], {"axis": 2}, [0, 1]) == "axis 2 of a rank-2 input"
    mixed = [two[0], data_tensor("b", (2, 2), "int8", other), two[2]]
    assert checked("CONCATENATION", mixed, [0, 1], {"axis": 1}, [0, 1]) == (
        "input 1 quantized unlike the output (LiteRT int8 refuses to rescale)"
    )
    wrong = [two[0], two[1], data_tensor("y", (2, 6), "int8", q)]
    assert checked("CONCATENATION", wrong, [0, 1], {"axis": 1}, [0, 1]) == (
        "output shape [2, 6], concatenation gives [2, 5]"
    )
    u8 = [TensorSpec("a", (2,), "uint8", [0.1], [3]), TensorSpec("y", (2,), "uint8", [0.1], [3])]
    assert checked("CONCATENATION", u8, [0], {"axis": 0}) == "uint8 output"


def test_pad_refusals() -> None:
    q = ([0.1], [3])
    x, y = data_tensor("x", (2, 3), "int8", q), data_tensor("y", (4, 4), "int8", q)
    assert checked("PAD", [x, int_const("p", [[1, 1], [0, 1]]), y], [0, 1]) is None
    assert checked("PAD", [x, int_const("p", [[1, 1], [0, 2]]), y], [0, 1]) == (
        "output shape [4, 4], padding gives [4, 5]"
    )
    runtime = TensorSpec("p", (2, 2), "int32")
    assert checked("PAD", [x, runtime, y], [0, 1], graph_inputs=[0, 1]) == "non-constant paddings"
    assert checked("PAD", [x, int_const("p", [[-1, 3], [0, 1]]), y], [0, 1]) == "negative padding"
    x6, y6 = data_tensor("x", (1,) * 6, "int8", q), data_tensor("y", (1,) * 6, "int8", q)
    assert checked("PAD", [x6, int_const("p", np.zeros((6, 2))), y6], [0, 1]) == "rank 6 > 5 (LiteRT's limit)"
    value = data_tensor("v", (), "int8", ([0.5], [3]), np.random.default_rng(0))
    assert checked("PADV2", [x, int_const("p", [[1, 1], [0, 1]]), value, y], [0, 1, 2]) == (
        "pad value quantized unlike the output (LiteRT refuses)"
    )


def test_transpose_slice_resize_refusals() -> None:
    q = ([0.1], [3])
    x, y = data_tensor("x", (2, 3), "int8", q), data_tensor("y", (3, 2), "int8", q)
    assert checked("TRANSPOSE", [x, int_const("perm", [1, 0]), y], [0, 1]) is None
    assert checked("TRANSPOSE", [x, int_const("perm", [1, 1]), y], [0, 1]) == "invalid permutation [1, 1]"
    assert checked("TRANSPOSE", [x, int_const("perm", [1, 0], "int64"), y], [0, 1]) == "int64 permutation"
    assert checked("TRANSPOSE", [x, TensorSpec("perm", (2,), "int32"), y], [0, 1], graph_inputs=[0, 1]) == (
        "non-constant permutation"
    )
    assert checked("TRANSPOSE", [x, int_const("perm", [0, 1]), y], [0, 1]) == (
        "output shape [3, 2], the permutation gives [2, 3]"
    )
    z = data_tensor("y", (3,), "int8", q)
    slice_inputs = [x, int_const("b", [0, 2]), int_const("e", [2, 0]), int_const("s", [1, -1])]
    assert checked("STRIDED_SLICE", [*slice_inputs, data_tensor("y", (2, 2), "int8", q)], [0, 1, 2, 3]) is None
    assert checked("STRIDED_SLICE", [*slice_inputs, z], [0, 1, 2, 3]) == ("output shape [3], LiteRT computes [2, 2]")
    shrink_back = [
        x,
        int_const("b", [0, 1]),
        int_const("e", [2, 2]),
        int_const("s", [1, -1]),
        data_tensor("y", (2,), "int8", q),
    ]
    assert checked("STRIDED_SLICE", shrink_back, [0, 1, 2, 3], {"shrink_axis_mask": 2}) == (
        "LiteRT writes 0 of 2 output elements"
    )
    runtime = [x, TensorSpec("b", (2,), "int32"), int_const("e", [2, 0]), int_const("s", [1, -1]), z]
    assert checked("STRIDED_SLICE", runtime, [0, 1, 2, 3], graph_inputs=[0, 1]) == "non-constant begin"
    image = data_tensor("x", (1, 2, 2, 3), "int8", q)
    assert (
        checked(
            "RESIZE_NEAREST_NEIGHBOR",
            [image, int_const("size", [4, 4]), data_tensor("y", (1, 4, 4, 3), "int8", q)],
            [0, 1],
        )
        is None
    )
    assert checked(
        "RESIZE_NEAREST_NEIGHBOR", [image, int_const("size", [4, 4]), data_tensor("y", (1, 4, 5, 3), "int8", q)], [0, 1]
    ) == ("output shape [1, 4, 5, 3], size gives [1, 4, 4, 3]")
    flat = [data_tensor("x", (2, 2, 3), "int8", q), int_const("size", [4, 4]), data_tensor("y", (4, 4, 3), "int8", q)]
    assert checked("RESIZE_NEAREST_NEIGHBOR", flat, [0, 1]) == "rank-3 input"
    i32 = [TensorSpec("x", (1, 2, 2, 3), "int32"), int_const("size", [4, 4]), TensorSpec("y", (1, 4, 4, 3), "int32")]
    assert checked("RESIZE_NEAREST_NEIGHBOR", i32, [0, 1]) == "int32 input"


# ---- the kernels build for the Cortex-M7 -------------------------------------------------------
