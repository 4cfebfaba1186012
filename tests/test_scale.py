"""Models of thousands of operators: identical constants are emitted once, the generated C grows
linearly with the operators, the memory plan stays exact with its time index, and a long
st_model_run is cut into functions (gcc schedules one long function in quadratic time)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from support.chain_model import PERIOD, chain_model
from support.hostrun import load_host_model
from support.opcheck import reference_interpreter
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny.flow import codegen
from simtiny.flow.codegen import CHUNK_OPS, generate
from simtiny.flow.plan import ORDERS, Buffer, _first_fit, plan_memory
from simtiny.flow.validate import check
from simtiny.model import parse_model
from simtiny.model.normalize import normalize

ARRAY = re.compile(r"static const (\w+) (\w+)\[\d+\] __attribute__\(\(aligned\(4\)\)\) = \{\n(.*?)\n\};", re.S)
LUT_OPS = {"LOGISTIC", "TANH", "HARD_SWISH", "RELU", "LEAKY_RELU"}


def _generated(model: bytes) -> tuple[codegen.GeneratedModel, object]:
    graph = check(normalize(parse_model(model)), "chain")
    return generate(graph, plan_memory(graph)), graph


def test_identical_tables_and_parameters_are_emitted_once():
    periods = 12
    generated, graph = _generated(chain_model(periods * len(PERIOD)))
    source = generated.source
    arrays = ARRAY.findall(source)
    contents = [(ctype, body) for ctype, _, body in arrays]
    assert len(contents) == len(set(contents)), "an array is emitted twice"
    tables = [name for ctype, name, _ in arrays if name.endswith("_table")]
    # Every LUT operator after the first period sees the same scales: one table per LUT opcode,
    # plus the first LOGISTIC's (its input is the graph input, with a scale of its own).
    assert len(tables) == len(LUT_OPS) + 1, tables
    assert source.count("static const st_lut_params") == len(LUT_OPS) + 1
    lut_calls = re.findall(r"st_lut_s8\(&(\w+),", source)
    assert len(lut_calls) == sum(op.opcode in LUT_OPS for op in graph.operators)
    assert set(lut_calls) == set(re.findall(r"static const st_lut_params (\w+) =", source))
    # ADD and MUL: their constant operands (a tensor of their own each in the model), loop tables
    # and parameters
    assert source.count("static const st_add_params") == 1
    assert source.count("static const st_mul_params") == 1
    assert len(set(re.findall(r"st_add_s8\(&\w+, [^,]+, (\w+),", source))) == 1
    assert generated.const_bytes < 16 * 256


def test_shared_constants_compute_what_litert_computes():
    """After sharing, each operator still reads its own table and parameters: bit-exact against
    LiteRT over the whole chain, cut into several st_model_run functions."""
    n_ops = 2 * CHUNK_OPS + 40
    model = chain_model(n_ops)
    generated, graph = _generated(model)
    assert generated.source.count("static __attribute__((noinline)) void st_model_part_") == 3
    host = load_host_model(generated, graph)
    interpreter = reference_interpreter(model)
    rng = np.random.default_rng(1)
    for _ in range(4):
        x = rng.integers(-128, 128, size=(1, 8), dtype=np.int8)
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
        interpreter.invoke()
        want = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        got = host.run([x])[0]
        assert np.array_equal(got, want), (x, got, want)


def test_short_models_keep_one_run_function():
    generated, _ = _generated(chain_model(CHUNK_OPS))
    assert "st_model_part_" not in generated.source
    assert generated.source.count("st_stamp();") == CHUNK_OPS + 1  # before the first operator, then after each


def test_identical_weight_blobs_are_emitted_once(tmp_path, monkeypatch):
    monkeypatch.setenv("SIMTINY_CACHE", str(tmp_path))
    w = np.random.default_rng(0).integers(-127, 128, size=(64, 64), dtype=np.int8)  # 4 KB: a blob
    q = {"scale": [0.05], "zero_point": [0]}
    tensors = [
        TensorSpec("x", (1, 64), "int8", **q),
        TensorSpec("w1", (64, 64), "int8", scale=[0.01], zero_point=[0], data=w),
        TensorSpec("h", (1, 64), "int8", **q),
        TensorSpec("w2", (64, 64), "int8", scale=[0.01], zero_point=[0], data=w.copy()),
        TensorSpec("y", (1, 64), "int8", **q),
    ]
    ops = [OpSpec("FULLY_CONNECTED", [0, 1], [2]), OpSpec("FULLY_CONNECTED", [2, 3], [4])]
    generated, _ = _generated(build_model(tensors, ops, [0], [4]))
    assert generated.source.count(".incbin") == 1
    assert generated.const_bytes < 2 * w.nbytes


def test_generated_source_grows_linearly_with_operators():
    """load + validate + plan + codegen of ~2,000 operators; the C per operator does not grow
    with the model (no per-operator copies of shared constants), and no constant is repeated."""
    small, _ = _generated(chain_model(20 * len(PERIOD)))
    large, graph = _generated(chain_model(300 * len(PERIOD)))
    assert len(graph.operators) == 2100
    per_op_small = len(small.source) / (20 * len(PERIOD))
    per_op_large = len(large.source) / (300 * len(PERIOD))
    assert per_op_large < 250, per_op_large  # the call, its comment and its cycle stamp
    assert per_op_large <= per_op_small
    assert large.const_bytes == small.const_bytes


def _naive_first_fit(buffers: list[Buffer], order) -> list[tuple[int, int]]:
    """The first fit as the plan defines it, checking every placed buffer: the reference."""
    placed: list[Buffer] = []
    for buf in sorted(buffers, key=order):
        offset = 0
        while any(buf.clashes(offset, b) for b in placed):
            offset += 16
        placed.append(Buffer(buf.key, buf.size, buf.first, buf.last, offset, buf.segments))
    return [(b.key, b.offset) for b in placed]


@pytest.mark.parametrize("seed", range(6))
def test_indexed_first_fit_places_as_the_naive_one(seed):
    rng = np.random.default_rng(seed)
    n_ops = 120
    buffers = []
    for key in range(80):
        first = int(rng.integers(-1, n_ops))
        if rng.random() < 0.3:  # a group: several members one after the other
            segments, lo = [], first
            for _ in range(int(rng.integers(2, 6))):
                hi = min(n_ops, lo + int(rng.integers(1, 30)))
                segments.append((16 * int(rng.integers(1, 8)), lo, hi))
                lo = hi
            size = max(s for s, _, _ in segments)
            buffers.append(Buffer(key, size, segments[0][1], segments[-1][2], 0, tuple(segments)))
        else:
            last = min(n_ops, first + int(rng.integers(0, 40)))
            key_or_scratch = key if rng.random() < 0.7 else -key - 1
            buffers.append(Buffer(key_or_scratch, 16 * int(rng.integers(1, 10)), first, last))
    for order in ORDERS.values():
        assert [(b.key, b.offset) for b in _first_fit(buffers, order)] == _naive_first_fit(buffers, order)
