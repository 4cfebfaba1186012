"""simtiny.flow.golden: LiteRT's reference kernels in a child process, and how its failures read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny.errors import EXIT_FAULT, EXIT_USAGE, InputError, SimtinyError
from simtiny.flow.golden import GoldenError, GoldenResult, ReferenceRefused, run_golden, run_golden_batch
from simtiny.flow.golden_worker import CRASH_HOOK

HELLO_WORLD = Path(__file__).parent / "data" / "models" / "hello_world_int8.tflite"


def litert_in_process(model: Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The same reference run, done here in the test process (safe: this model does not crash)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interpreter = Interpreter(model_path=str(model), experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    interpreter.allocate_tensors()
    for detail, value in zip(interpreter.get_input_details(), inputs, strict=True):
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    return [interpreter.get_tensor(detail["index"]) for detail in interpreter.get_output_details()]


def sample(value: int) -> list[np.ndarray]:
    return [np.array([[value]], dtype=np.int8)]


def one_line_error(excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    message = str(excinfo.value)
    assert "\n" not in message and message
    return message


def test_hello_world_matches_litert_in_process():
    result = run_golden(HELLO_WORLD, sample(37))
    assert isinstance(result, GoldenResult)
    assert len(result.outputs) == 1
    (output,) = result.outputs
    assert output.dtype == np.int8 and output.shape == (1, 1)
    np.testing.assert_array_equal(output, litert_in_process(HELLO_WORLD, sample(37))[0])
    assert result.runtime.startswith("ai-edge-litert ") and result.runtime.endswith("(reference kernels)")
    assert result.intermediates == {}


def test_model_bytes_give_the_same_result_as_the_file():
    from_file = run_golden(HELLO_WORLD, sample(-100))
    from_bytes = run_golden(HELLO_WORLD.read_bytes(), sample(-100))
    np.testing.assert_array_equal(from_file.outputs[0], from_bytes.outputs[0])


def test_batch_equals_single_runs():
    values = [-128, 0, 90]
    batch = run_golden_batch(HELLO_WORLD, [sample(v) for v in values])
    assert len(batch) == 3
    for value, result in zip(values, batch, strict=True):
        single = run_golden(HELLO_WORLD, sample(value))
        np.testing.assert_array_equal(result.outputs[0], single.outputs[0])
    # a sine regressor: different inputs should not all give the same answer
    assert len({int(r.outputs[0][0, 0]) for r in batch}) > 1


def test_empty_batch_runs_nothing():
    assert run_golden_batch(HELLO_WORLD, []) == []


def test_preserve_all_tensors_returns_every_tensor_by_index():
    from ai_edge_litert.interpreter import Interpreter

    details = Interpreter(model_path=str(HELLO_WORLD)).get_tensor_details()
    result = run_golden(HELLO_WORLD, sample(12), preserve_all_tensors=True)
    assert set(result.intermediates) == {d["index"] for d in details}
    for detail in details:
        value = result.intermediates[detail["index"]]
        assert value.shape == tuple(detail["shape"]) and value.dtype == detail["dtype"]
    output_index = 9  # StatefulPartitionedCall:0, the model's output
    np.testing.assert_array_equal(result.intermediates[output_index], result.outputs[0])
    np.testing.assert_array_equal(result.intermediates[0], sample(12)[0])


def test_abort_in_the_child_is_a_one_line_golden_error(monkeypatch):
    monkeypatch.setenv(CRASH_HOOK, "abort")
    with pytest.raises(GoldenError) as excinfo:
        run_golden(HELLO_WORLD, sample(1))
    message = one_line_error(excinfo)
    assert "SIGABRT" in message and "loading the model" in message, message
    assert excinfo.value.exit_code == EXIT_FAULT


def test_nonzero_exit_of_the_child_gives_status_and_last_stderr_line(monkeypatch):
    monkeypatch.setenv(CRASH_HOOK, "exit")
    with pytest.raises(GoldenError) as excinfo:
        run_golden(HELLO_WORLD, sample(1))
    message = one_line_error(excinfo)
    assert "exited with status 7" in message and "exiting on purpose" in message, message


def test_timeout_is_a_golden_error(monkeypatch):
    monkeypatch.setenv(CRASH_HOOK, "hang")
    with pytest.raises(GoldenError) as excinfo:
        run_golden(HELLO_WORLD, sample(1), timeout=2)
    assert "did not finish within 2 s while loading the model" in one_line_error(excinfo)


def test_a_real_litert_abort_in_softmax_preparation_is_caught():
    # LiteRT 2.3.0's reference SOFTMAX aborts (a failed TFLITE_CHECK, nothing on stderr) while
    # preparing an int8 softmax whose input scale is tiny; the parent process must survive it.
    model = build_model(
        [
            TensorSpec("x", (1, 4), "int8", scale=[1e-30], zero_point=[0]),
            TensorSpec("y", (1, 4), "int8", scale=[1 / 256], zero_point=[-128]),
        ],
        [OpSpec("SOFTMAX", [0], [1], {"beta": 1.0})],
        inputs=[0],
        outputs=[1],
    )
    with pytest.raises(ReferenceRefused) as excinfo:
        run_golden(model, [np.zeros((1, 4), np.int8)])
    message = one_line_error(excinfo)
    assert "SIGABRT" in message and "allocating tensors" in message, message
    assert message.startswith("the reference refuses the model") and excinfo.value.exit_code == EXIT_USAGE


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ([np.array([[1]], np.float32)], "input 0: expected int8 [1, 1], got float32 [1, 1]"),
        ([np.array([1], np.int8)], "input 0: expected int8 [1, 1], got int8 [1]"),
        ([np.array([[1, 2]], np.int8)], "input 0: expected int8 [1, 1], got int8 [1, 2]"),
        ([], "the model takes 1 input(s), got 0"),
    ],
)
def test_inputs_must_match_the_model(inputs, expected):
    with pytest.raises(InputError) as excinfo:
        run_golden(HELLO_WORLD, inputs)
    assert one_line_error(excinfo) == expected


def test_a_bad_sample_in_a_batch_is_named():
    with pytest.raises(InputError) as excinfo:
        run_golden_batch(HELLO_WORLD, [sample(1), [np.zeros((2, 1), np.int8)], sample(2)])
    assert one_line_error(excinfo) == "sample 1: input 0: expected int8 [1, 1], got int8 [2, 1]"


@pytest.mark.parametrize(
    "content",
    [b"this is not a model", HELLO_WORLD.read_bytes()[:300], b""],
    ids=["garbage", "truncated", "empty"],
)
def test_corrupt_model_is_a_one_line_error(tmp_path, content):
    path = tmp_path / "corrupt.tflite"
    path.write_bytes(content)
    for model in (path, content):
        with pytest.raises((GoldenError, InputError)) as excinfo:
            run_golden(model, sample(1))
        assert "loading the model" in one_line_error(excinfo)


def test_missing_model_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="model file not found"):
        run_golden(tmp_path / "nope.tflite", sample(1))


def test_without_litert_the_error_says_what_to_install(tmp_path, monkeypatch):
    # packages earlier on the child's import path that refuse to import hide the real ones
    for package in ("ai_edge_litert", "tflite_runtime"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("raise ImportError('hidden by a test')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with pytest.raises(SimtinyError) as excinfo:
        run_golden(HELLO_WORLD, sample(1))
    assert not isinstance(excinfo.value, GoldenError | InputError)
    assert "pip install ai-edge-litert" in one_line_error(excinfo)


# TF-Lite Micro, the second reference (--reference tflm): PyPI's tflite-micro in the same child.


def tflm_in_process(model: Path, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """TF-Lite Micro's interpreter run here in the test process (safe: this model does not crash)."""
    from tflite_micro.python.tflite_micro import runtime

    interpreter = runtime.Interpreter.from_file(str(model))
    for i, value in enumerate(inputs):
        interpreter.set_input(value, i)
    interpreter.invoke()
    return [interpreter.get_output(0)]


def test_tflm_reference_matches_tflm_in_process():
    for value in (-128, 37, 127):
        result = run_golden(HELLO_WORLD, sample(value), reference="tflm")
        np.testing.assert_array_equal(result.outputs[0], tflm_in_process(HELLO_WORLD, sample(value))[0])
        assert result.runtime.startswith("tflite-micro ") and "TF-Lite Micro" in result.runtime
        assert result.outputs[0].dtype == np.int8 and result.outputs[0].shape == (1, 1)


def test_tflm_arena_holds_activations_larger_than_ten_times_the_model():
    # TF-Lite Micro's default arena is ten times the file: 256 KB of activations in a model of a
    # few hundred bytes would not fit it; the worker sizes the arena from the tensors instead
    shape = (1, 128, 128, 16)
    model = build_model(
        [
            TensorSpec("x", shape, "int8", scale=[0.05], zero_point=[3]),
            TensorSpec("y", shape, "int8", scale=[0.05], zero_point=[3]),
        ],
        [OpSpec("RELU", [0], [1], {})],
        inputs=[0],
        outputs=[1],
    )
    assert len(model) * 10 < 2 * int(np.prod(shape))
    x = np.random.default_rng(0).integers(-128, 128, shape, dtype=np.int8)
    got = run_golden(model, [x], reference="tflm").outputs[0]
    np.testing.assert_array_equal(got, run_golden(model, [x]).outputs[0])
    np.testing.assert_array_equal(got, np.maximum(x, 3))  # RELU with the zero point at 3


def test_tflm_failures_read_like_litert_ones(monkeypatch):
    with pytest.raises(InputError) as excinfo:
        run_golden(HELLO_WORLD, [np.zeros((1, 2), np.int8)], reference="tflm")
    assert one_line_error(excinfo) == "input 0: expected int8 [1, 1], got int8 [1, 2]"
    monkeypatch.setenv(CRASH_HOOK, "abort")
    with pytest.raises(GoldenError) as crashed:
        run_golden(HELLO_WORLD, sample(1), reference="tflm")
    message = one_line_error(crashed)
    assert message.startswith("TF-Lite Micro crashed while loading the model") and "SIGABRT" in message, message


def test_tflm_cannot_keep_intermediates_and_unknown_references_are_refused():
    with pytest.raises(InputError, match="TF-Lite Micro cannot keep intermediate tensors"):
        run_golden(HELLO_WORLD, sample(1), reference="tflm", preserve_all_tensors=True)
    with pytest.raises(InputError) as excinfo:
        run_golden(HELLO_WORLD, sample(1), reference="tflite")
    assert one_line_error(excinfo) == "reference: 'tflite' is not one of litert, tflm"


def test_without_tflm_the_error_says_what_to_install(tmp_path, monkeypatch):
    (tmp_path / "tflite_micro").mkdir()
    (tmp_path / "tflite_micro" / "__init__.py").write_text("raise ImportError('hidden by a test')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with pytest.raises(SimtinyError) as excinfo:
        run_golden(HELLO_WORLD, sample(1), reference="tflm")
    assert "pip install tflite-micro" in one_line_error(excinfo)
