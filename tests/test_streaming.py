"""Streaming models: resource variables kept as state between invocations (simtiny.model.variables),
the firmware setting them on its first invocation, and `run` feeding a stream of frames.

The models are microWakeWord's, as PyPI's pymicro-wakeword ships them (tests/data/models/README.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.layers import every_operator_bit_exact
from support.reports import read_report

from simtiny import api
from simtiny.cli import main
from simtiny.errors import InputError
from simtiny.flow import debug
from simtiny.flow.debug import first_bad_layer
from simtiny.flow.golden import run_golden_batch
from simtiny.flow.inputs import random_inputs
from simtiny.flow.run import RunOptions, compile_model, run_model
from simtiny.model import Graph, Operator, Tensor
from simtiny.model.variables import InitAssignment, resolve

MODELS = Path(__file__).parent / "data" / "models"
WAKE_WORDS = ["okay_nabu", "hey_mycroft", "alexa", "hey_jarvis"]
STEPS = 12


@pytest.mark.parametrize("name", WAKE_WORDS)
def test_variables_become_state_with_the_init_subgraphs_values(name):
    graph = api.load_model(MODELS / f"{name}.tflite")
    opcodes = {op.opcode for op in graph.operators}
    assert not opcodes & {"VAR_HANDLE", "CALL_ONCE"} and {"READ_VARIABLE", "ASSIGN_VARIABLE"} <= opcodes
    assert [op.index for op in graph.operators] == list(range(len(graph.operators)))
    assert graph.state_flag is not None and len(graph.initial) == 6
    assert graph.state == [graph.state_flag, *sorted(graph.initial)]
    assert all(graph.tensor(t).variable and not graph.tensor(t).is_constant for t in graph.state)
    # each variable's initial value is what LiteRT's first READ_VARIABLE of it gives
    first = random_inputs(graph, 0)
    gold = run_golden_batch(graph.model_bytes, [first], preserve_all_tensors=True)[0]
    reads = {op.inputs[0]: op.outputs[0] for op in graph.operators if op.opcode == "READ_VARIABLE"}
    assert set(reads) == set(graph.initial)
    for var, out in reads.items():
        np.testing.assert_array_equal(gold.intermediates[out], graph.initial[var])
    # every READ_VARIABLE comes before the ASSIGN_VARIABLE of the same variable
    position = {
        (op.opcode, op.inputs[0] if op.opcode == "READ_VARIABLE" else op.outputs[0]): k
        for k, op in enumerate(graph.operators)
        if op.opcode in ("READ_VARIABLE", "ASSIGN_VARIABLE")
    }
    assert all(position[("READ_VARIABLE", v)] < position[("ASSIGN_VARIABLE", v)] for v in graph.initial)


def test_the_state_outlives_every_operator_and_shares_no_byte():
    graph = api.load_model(MODELS / "okay_nabu.tflite")
    compiled = api.compile_model(graph)
    plan, n = compiled.plan, len(graph.operators)
    spans = {t: (plan.offsets[t], plan.offsets[t] + graph.tensor(t).nbytes) for t in graph.state}
    for t, (lo, hi) in spans.items():
        for other, offset in plan.offsets.items():
            if other == t or graph.tensor(other).is_constant:
                continue
            other_hi = offset + graph.tensor(other).nbytes
            assert other_hi <= lo or offset >= hi, f"state tensor {t} shares bytes with tensor {other}"
    assert [b.tensor for b in compiled.generated.state] == graph.state
    assert n > 0 and "st_state_init();" in compiled.generated.source


@pytest.mark.sim
@pytest.mark.parametrize("name", WAKE_WORDS)
def test_every_operator_at_every_step_of_a_stream_is_bit_exact(name, toolchain):
    graph = api.load_model(MODELS / f"{name}.tflite")
    unshared = compile_model(graph, api.load_platform("stm32h743"), toolchain, reuse=False)
    steps = [random_inputs(graph, k) for k in range(STEPS)]
    diff, checked = first_bad_layer(unshared, steps, 10**9, "unicorn")
    assert diff is None, diff
    state = set(graph.state)  # written by ASSIGN_VARIABLE: tensors of simtiny's, not LiteRT's
    per_step = sum(1 for op in graph.operators for t in op.outputs if t not in state)
    assert checked == STEPS * per_step  # every operator output LiteRT shows, at every step


@pytest.mark.sim
def test_a_lost_state_is_caught_at_the_second_step(monkeypatch):
    # the same check with the state dropped between invocations (each step from a fresh flag)
    graph = api.load_model(MODELS / "okay_nabu.tflite")
    unshared = compile_model(graph, api.load_platform("stm32h743"), None, reuse=False)
    simulate = debug.simulate
    monkeypatch.setattr(debug, "simulate", lambda *a, **k: simulate(*a, **{**k, "state": None}))
    diff, _ = first_bad_layer(unshared, [random_inputs(graph, k) for k in range(3)], 10**9, "unicorn")
    assert diff is not None and diff.step == 1 and diff.opcode == "READ_VARIABLE"


@pytest.mark.sim
def test_run_feeds_a_file_of_frames_as_one_stream(tmp_path, capsys):
    frames = np.random.default_rng(3).integers(-128, 128, (9, 1, 3, 40), dtype=np.int8)
    np.save(tmp_path / "frames.npy", frames)
    out = tmp_path / "r.json"
    code = main(
        [
            "run",
            str(MODELS / "hey_mycroft.tflite"),
            "--input",
            str(tmp_path / "frames.npy"),
            "--reference",
            "both",
            "--json",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    assert "resource variable(s) kept as state between invocations" in text
    assert "references agree" in text
    report = read_report(out)
    assert [s["label"] for s in report["samples"]] == [f"frame {k}" for k in range(9)]
    # the outputs are LiteRT's on the same stream, run here in one interpreter
    gold = run_golden_batch(MODELS / "hey_mycroft.tflite", [[f] for f in frames])
    assert [s["outputs"][0]["values"] for s in report["samples"]] == [g.outputs[0].reshape(-1).tolist() for g in gold]
    assert report["bit_exact"]


def test_streams_of_frames_are_checked(tmp_path):
    path = MODELS / "alexa.tflite"
    with pytest.raises(InputError, match="must have shape"):  # not a stack of frames: one sample, refused
        api.run_model(path, [np.zeros((2, 3, 40), np.int8)])
    with pytest.raises(InputError, match="must be int8"):
        api.run_model(path, [np.zeros((4, 1, 3, 40), np.uint8)])


def test_variables_the_init_subgraph_does_not_set_or_that_change_shape_are_refused():
    tensors = [Tensor(0, "x", (1, 4), "int8"), Tensor(1, "h", (), "resource"), Tensor(2, "r", (1, 4), "int8")]
    ops = [
        Operator(0, "CALL_ONCE", (), (), {"init_subgraph_index": 1}),
        Operator(1, "VAR_HANDLE", (), (1,), {"container": b"", "shared_name": b"s"}),
        Operator(2, "READ_VARIABLE", (1,), (2,)),
        Operator(3, "ASSIGN_VARIABLE", (1, 0), ()),
    ]
    graph = Graph(None, "", tensors, ops, [0], [2])
    good = {1: [InitAssignment(("", "s"), np.zeros((1, 4), np.int8), None)]}
    resolved = resolve(graph, good, "m")
    assert [op.opcode for op in resolved.operators] == ["READ_VARIABLE", "ASSIGN_VARIABLE"]
    with pytest.raises(InputError, match="variable 's' is never given an initial value"):
        resolve(graph, {1: []}, "m")
    with pytest.raises(InputError, match="variable 's' starts as int8 \\[1, 5\\]"):
        resolve(graph, {1: [InitAssignment(("", "s"), np.zeros((1, 5), np.int8), None)]}, "m")
    with pytest.raises(InputError, match="calls subgraph 1, which is not there"):
        resolve(graph, {}, "m")


@pytest.mark.sim
def test_both_engines_agree_step_by_step_on_a_stream():
    """The state carried from each invocation to the next alike on Unicorn and on QEMU."""
    options = RunOptions(
        MODELS / "okay_nabu.tflite", platform="mps2-an500", samples=4, memory_model=False, cross_check=True
    )
    report = run_model(options)
    assert len(report.cross_checks) == 4 and report.engines_agree, [c.difference for c in report.cross_checks]
    assert report.exact


@pytest.mark.sim
def test_tflm_keyword_model_with_svdf_state_streams_bit_exact(toolchain):
    """TF-Lite Micro's keyword_scrambled: its four SVDF layers keep their memories in variable
    tensors (zeros at the start, as LiteRT resets them); every operator output of every step of a
    twelve-step stream equals LiteRT's."""
    graph = api.load_model(MODELS / "keyword_scrambled.tflite")
    assert len(graph.initial) == 7 and not any(v.any() for v in graph.initial.values())
    every_operator_bit_exact(graph, toolchain, STEPS)


@pytest.mark.sim
def test_tflm_mnist_lstm_keeps_its_states_between_invocations(toolchain):
    """TF-Lite Micro's mnist_lstm: one UNIDIRECTIONAL_SEQUENCE_LSTM of 28 steps per invocation,
    its output state (int8) and cell state (int16) variable tensors carried from one invocation
    to the next; every operator output of every invocation of a stream equals LiteRT's."""
    graph = api.load_model(MODELS / "trained_lstm_int8.tflite")
    (lstm,) = [op for op in graph.operators if op.opcode == "UNIDIRECTIONAL_SEQUENCE_LSTM"]
    assert set(graph.initial) == {lstm.inputs[18], lstm.inputs[19]}
    every_operator_bit_exact(graph, toolchain, 4)
