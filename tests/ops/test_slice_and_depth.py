"""SLICE, DEPTH_TO_SPACE, SPACE_TO_DEPTH, MIRROR_PAD, BROADCAST_TO and REVERSE_V2 against LiteRT's
reference kernels, bit for bit: int8, int16 (not DEPTH_TO_SPACE or SPACE_TO_DEPTH, which LiteRT
refuses), int32 and float32 values moved as they are; random boxes (size -1 to the end) of ranks
1 to 5, random blocks, random REFLECT and SYMMETRIC paddings to their limits, BROADCAST_TO and
REVERSE_V2 (contiguous axes, as LiteRT takes them)."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import Case, random_input, run_packed
from support.tflite_writer import OpSpec, TensorSpec

DTYPES = ("int8", "int16", "int32", "float32")


def spec(name: str, shape: tuple[int, ...], dtype: str) -> TensorSpec:
    if dtype in ("int8", "int16"):
        return TensorSpec(name, shape, dtype, scale=[0.05], zero_point=[0 if dtype == "int16" else 3])
    return TensorSpec(name, shape, dtype)


def slice_case(rng: np.random.Generator) -> Case:
    dtype = str(rng.choice(DTYPES))
    shape = tuple(int(rng.integers(1, 7)) for _ in range(int(rng.integers(1, 6))))
    begin = [int(rng.integers(0, d)) for d in shape]
    size = [int(rng.integers(1, d - b + 1)) if rng.random() < 0.7 else -1 for d, b in zip(shape, begin, strict=True)]
    out = tuple(d - b if n == -1 else n for d, b, n in zip(shape, begin, size, strict=True))
    index_type = str(rng.choice(["int32", "int64"]))
    tensors = [
        spec("x", shape, dtype),
        TensorSpec("begin", (len(shape),), index_type, data=np.array(begin, dtype=index_type)),
        TensorSpec("size", (len(shape),), index_type, data=np.array(size, dtype=index_type)),
        spec("y", out, dtype),
    ]
    return Case(f"SLICE {dtype} {list(shape)} begin {begin} size {size}", tensors, OpSpec("SLICE", [0, 1, 2], [3]))


def depth_case(rng: np.random.Generator, opcode: str) -> Case:
    dtype = str(rng.choice(["int8", "int32", "float32"]))  # LiteRT's kernels take no int16
    b = int(rng.integers(1, 4))
    n, h, w, c = int(rng.integers(1, 3)), int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(1, 4))
    if opcode == "DEPTH_TO_SPACE":
        shape, out = (n, h, w, c * b * b), (n, h * b, w * b, c)
    else:
        shape, out = (n, h * b, w * b, c), (n, h, w, c * b * b)
    tensors = [spec("x", shape, dtype), spec("y", out, dtype)]
    return Case(f"{opcode} {dtype} {list(shape)} block {b}", tensors, OpSpec(opcode, [0], [1], {"block_size": b}))


@pytest.mark.parametrize("seed", range(8))
def test_random(seed: int) -> None:
    rng = np.random.default_rng(8700 + seed)
    cases = [slice_case(rng) for _ in range(4)]
    cases += [depth_case(rng, opcode) for opcode in ("DEPTH_TO_SPACE", "SPACE_TO_DEPTH") for _ in range(2)]
    assert run_packed(cases, seed, 2) > 0


def mirror_pad_case(rng: np.random.Generator) -> Case:
    dtype = str(rng.choice(DTYPES))
    shape = tuple(int(rng.integers(1, 6)) for _ in range(int(rng.integers(1, 6))))
    symmetric = bool(rng.random() < 0.5)
    pads = [[int(rng.integers(0, d + (1 if symmetric else 0))) for _ in range(2)] for d in shape]
    out = tuple(d + lo + hi for d, (lo, hi) in zip(shape, pads, strict=True))
    tensors = [
        spec("x", shape, dtype),
        TensorSpec("pads", (len(shape), 2), "int32", data=np.array(pads, dtype=np.int32)),
        spec("y", out, dtype),
    ]
    mode = 1 if symmetric else 0  # tflite.MirrorPadMode: REFLECT 0, SYMMETRIC 1
    label = f"MIRROR_PAD {dtype} {list(shape)} pads {pads} {'SYMMETRIC' if symmetric else 'REFLECT'}"
    return Case(label, tensors, OpSpec("MIRROR_PAD", [0, 1], [2], {"mode": mode}))


@pytest.mark.parametrize("seed", range(8))
def test_mirror_pad_random(seed: int) -> None:
    rng = np.random.default_rng(8800 + seed)
    assert run_packed([mirror_pad_case(rng) for _ in range(6)], seed, 2) > 0


def broadcast_to_case(rng: np.random.Generator) -> Case:
    dtype = str(rng.choice(DTYPES))
    out = tuple(int(rng.integers(1, 5)) for _ in range(int(rng.integers(1, 6))))
    keep = int(rng.integers(0, len(out) + 1))
    shape = tuple(d if rng.random() < 0.5 else 1 for d in out[len(out) - keep :])
    tensors = [
        spec("x", shape, dtype),
        TensorSpec("shape", (len(out),), "int32", data=np.array(out, dtype=np.int32)),
        spec("y", out, dtype),
    ]
    op = OpSpec("BROADCAST_TO", [0, 1], [2], version=2)  # int8 and the rest: version 2
    return Case(f"BROADCAST_TO {dtype} {list(shape)} -> {list(out)}", tensors, op)


def reverse_case(rng: np.random.Generator) -> Case:
    dtype = str(rng.choice(DTYPES))
    shape = tuple(int(rng.integers(1, 6)) for _ in range(int(rng.integers(1, 6))))
    first = int(rng.integers(0, len(shape)))  # LiteRT takes contiguous axes only
    axes = list(range(first, int(rng.integers(first + 1, len(shape) + 1))))
    tensors = [
        spec("x", shape, dtype),
        TensorSpec("axes", (len(axes),), "int32", data=np.array(axes, dtype=np.int32)),
        spec("y", shape, dtype),
    ]
    return Case(f"REVERSE_V2 {dtype} {list(shape)} axes {axes}", tensors, OpSpec("REVERSE_V2", [0, 1], [2]))


@pytest.mark.parametrize("seed", range(8))
def test_broadcast_to_and_reverse_random(seed: int) -> None:
    rng = np.random.default_rng(8850 + seed)
    cases = [broadcast_to_case(rng) for _ in range(4)] + [reverse_case(rng) for _ in range(4)]
    assert run_packed(cases, seed, 2) > 0


def batch_space_case(rng: np.random.Generator, opcode: str) -> Case:
    dtype = str(rng.choice(DTYPES))
    three = rng.random() < 0.25  # [B, W, C] with one block dimension
    bh, bw = (1 if three else int(rng.integers(1, 4))), int(rng.integers(1, 4))
    b, c = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    if opcode == "SPACE_TO_BATCH_ND":
        pads = [
            [0, 0] if three else [int(rng.integers(0, 3)) for _ in range(2)],
            [int(rng.integers(0, 3)) for _ in range(2)],
        ]
        hp, wp = bh * int(rng.integers(1, 4)), bw * int(rng.integers(1, 4))
        h, w = hp - sum(pads[0]), wp - sum(pads[1])
        if h < 1 or w < 1:
            pads, h, w = [[0, 0], [0, 0]], hp, wp
        shape, out = (b, h, w, c), (b * bh * bw, hp // bh, wp // bw, c)
    else:
        h, w = (1 if three else int(rng.integers(1, 4))), int(rng.integers(1, 4))
        pads = [
            [0, 0] if three else [int(rng.integers(0, bh)) for _ in range(2)],
            [int(rng.integers(0, bw)) for _ in range(2)],
        ]
        out_h, out_w = h * bh - sum(pads[0]), w * bw - sum(pads[1])
        if out_h < 1 or out_w < 1:
            pads, out_h, out_w = [[0, 0], [0, 0]], h * bh, w * bw
        shape, out = (b * bh * bw, h, w, c), (b, out_h, out_w, c)
    if three:
        shape, out, block, pads = (shape[0], *shape[2:]), (out[0], *out[2:]), [bw], pads[1:]
    else:
        block = [bh, bw]
    tensors = [
        spec("x", shape, dtype),
        TensorSpec("block", (len(block),), "int32", data=np.array(block, dtype=np.int32)),
        TensorSpec("pads", (len(block), 2), "int32", data=np.array(pads, dtype=np.int32)),
        spec("y", out, dtype),
    ]
    return Case(f"{opcode} {dtype} {list(shape)} block {block} {pads}", tensors, OpSpec(opcode, [0, 1, 2], [3]))


@pytest.mark.parametrize("seed", range(8))
def test_batch_space_random(seed: int) -> None:
    rng = np.random.default_rng(8870 + seed)
    cases = [batch_space_case(rng, op) for op in ("SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND") for _ in range(4)]
    assert run_packed(cases, seed, 2) > 0


def embedding_case(rng: np.random.Generator) -> Case:
    dtype = str(rng.choice(["int8", "int32", "float32"]))
    vocab, row = int(rng.integers(2, 9)), tuple(int(rng.integers(1, 5)) for _ in range(int(rng.integers(1, 3))))
    n = int(rng.integers(1, 6))
    ids = rng.integers(0, vocab, n).astype(np.int32)
    constant = rng.random() < 0.5
    tensors = [
        TensorSpec("ids", (n,), "int32", data=ids if constant else None),
        spec("value", (vocab, *row), dtype),
        spec("y", (n, *row), dtype),
    ]
    inputs = [1] if constant else [0, 1]
    return Case(
        f"EMBEDDING_LOOKUP {dtype} {vocab}x{list(row)} ids {n}",
        tensors,
        OpSpec("EMBEDDING_LOOKUP", [0, 1], [2]),
        inputs,
    )


@pytest.mark.parametrize("seed", range(6))
def test_embedding_lookup_random(seed: int) -> None:
    rng = np.random.default_rng(8890 + seed)

    def ids_in_range(rng: np.random.Generator, tensor: TensorSpec) -> np.ndarray:
        return random_input(rng, tensor) if tensor.name != "ids" else rng.integers(0, 2, tensor.shape).astype(np.int32)

    assert run_packed([embedding_case(rng) for _ in range(6)], seed, 2, draw=ids_in_range) > 0


def gather_nd_case(rng: np.random.Generator) -> Case:
    dtype = str(rng.choice(DTYPES))
    shape = tuple(int(rng.integers(1, 5)) for _ in range(int(rng.integers(1, 5))))
    k = int(rng.integers(1, len(shape) + 1))
    rows = tuple(int(rng.integers(1, 4)) for _ in range(int(rng.integers(0, 3))))
    index_type = str(rng.choice(["int32", "int64"]))
    indices = np.stack([rng.integers(0, d, rows) for d in shape[:k]], axis=-1).astype(index_type)
    tensors = [
        spec("params", shape, dtype),
        TensorSpec("indices", (*rows, k), index_type, data=indices),
        spec("y", (*rows, *shape[k:]), dtype),
    ]
    return Case(
        f"GATHER_ND {dtype} {list(shape)} indices {list(indices.shape)}", tensors, OpSpec("GATHER_ND", [0, 1], [2])
    )


@pytest.mark.parametrize("seed", range(6))
def test_gather_nd_random(seed: int) -> None:
    rng = np.random.default_rng(8895 + seed)
    assert run_packed([gather_nd_case(rng) for _ in range(6)], seed, 2) > 0


def dynamic_update_case(rng: np.random.Generator) -> Case:
    dtype = str(rng.choice(DTYPES))
    shape = tuple(int(rng.integers(1, 6)) for _ in range(int(rng.integers(1, 5))))
    update = tuple(int(rng.integers(1, d + 1)) for d in shape)
    index_type = str(rng.choice(["int32", "int64"]))
    tensors = [
        spec("operand", shape, dtype),
        spec("update", update, dtype),
        TensorSpec("starts", (len(shape),), index_type),
        spec("y", shape, dtype),
    ]
    label = f"DYNAMIC_UPDATE_SLICE {dtype} {list(shape)} update {list(update)}"
    return Case(label, tensors, OpSpec("DYNAMIC_UPDATE_SLICE", [0, 1, 2], [3]), [0, 1, 2])


@pytest.mark.parametrize("seed", range(6))
def test_dynamic_update_slice_random(seed: int) -> None:
    """Start indices drawn from -3 to 7: in range, and beyond it on either side (clamped)."""
    rng = np.random.default_rng(8897 + seed)

    def starts(rng: np.random.Generator, tensor: TensorSpec) -> np.ndarray:
        if tensor.name != "starts":
            return random_input(rng, tensor)
        return rng.integers(-3, 8, tensor.shape).astype(tensor.dtype)

    assert run_packed([dynamic_update_case(rng) for _ in range(6)], seed, 3, draw=starts) > 0
