"""Arguments of the Robot library and the pytest plugin are checked: a bad one (unknown, of the
wrong type, out of range, an unknown engine/toolchain/platform) fails with one line that names
it, never a TypeError or IndexError; good ones still work. Also simtiny.flow.options, the checks
every front shares."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from simtiny.errors import InputError, SimtinyError
from simtiny.flow import options as opts
from simtiny.flow.run import RunOptions
from simtiny.pytest_plugin import ModelResult
from simtiny.robot import SimtinyLibrary

pytest_plugins = ["pytester"]

ROOT = Path(__file__).parent.parent
MODELS = ROOT / "tests" / "data" / "models"
HELLO = MODELS / "hello_world_int8.tflite"


def _one_line(message: str) -> None:
    assert message and "\n" not in message and "Traceback" not in message


def _refused(call, pattern: str, error: type[BaseException] = InputError) -> str:
    """Run `call`; it must raise `error` (not a TypeError/IndexError) with a one-line message matching `pattern`."""
    with pytest.raises(error, match=pattern) as info:
        call()
    assert type(info.value) not in (TypeError, IndexError, ValueError)
    _one_line(str(info.value))
    return str(info.value)


def _fake_report(outputs_per_sample: list[list[np.ndarray]]) -> SimpleNamespace:
    """Just what the index checks read from a ModelReport: samples with outputs and a label."""
    samples = [SimpleNamespace(outputs=o, golden=o, label=f"seed {k}") for k, o in enumerate(outputs_per_sample)]
    return SimpleNamespace(samples=samples, exact=bool(samples))


# --- simtiny.flow.options: the shared checks ----------------------------------------------


@pytest.mark.parametrize("text", ["true", "TRUE", "Yes", "on", "1", " true ", True, 1])
def test_flag_accepts_the_true_spellings(text):
    assert opts.flag(text, "memory_model") is True


@pytest.mark.parametrize("text", ["false", "False", "NO", "off", "0", False, 0])
def test_flag_accepts_the_false_spellings(text):
    assert opts.flag(text, "memory_model") is False


@pytest.mark.parametrize("text", ["maybe", "", "none", "2", "tru", None, 2, 1.0])
def test_flag_refuses_anything_else_naming_the_argument(text):
    _refused(lambda: opts.flag(text, "treatAsRegex"), r"^treatAsRegex must be true or false \(or yes/no, on/off, 1/0\)")


def test_whole_number_names_the_argument_and_the_range():
    assert opts.whole_number(3, "seed", 0) == 3 and opts.whole_number(np.int64(4), "seed", 0) == 4
    assert opts.whole_number(" 7 ", "seed", 0, text=True) == 7
    _refused(lambda: opts.whole_number("7", "seed", 0), r"^seed must be a whole number >= 0, not '7'$")
    _refused(lambda: opts.whole_number(-1, "seed", 0), r"^seed must be a whole number >= 0, not -1$")
    _refused(lambda: opts.whole_number(True, "samples", 1), r"^samples must be a whole number >= 1, not True$")
    _refused(lambda: opts.whole_number(2.0, "samples", 1), r"^samples must be a whole number >= 1, not 2\.0$")
    _refused(lambda: opts.whole_number("x", "samples", 1, text=True), r"^samples must be a whole number >= 1, not 'x'$")
    _refused(
        lambda: opts.index(5, "output", 2, "the model has 2 outputs"),
        r"^output must be a whole number from 0 to 1 \(the model has 2 outputs\), not 5$",
    )
    _refused(lambda: opts.index(-1, "output", 2, "two"), r"from 0 to 1 \(two\), not -1$")


def test_choices_engines_toolchains_platforms_and_sizes():
    assert opts.check_engine("unicorn") == "unicorn"
    assert opts.check_toolchain(None) is None and opts.check_toolchain("zig") == "zig"
    assert opts.check_engine("qemu") == "qemu"
    _refused(lambda: opts.check_engine("renode"), r"^engine must be one of unicorn, qemu, not 'renode'$")
    _refused(lambda: opts.check_toolchain("clang"), r"^toolchain must be one of gcc, zig, not 'clang'$")
    _refused(lambda: opts.check_platform(5), r"^platform must be a board name or the path of a board folder, not 5$")
    message = _refused(lambda: opts.check_platform("nope"), r"^unknown platform 'nope' \(known: ", SimtinyError)
    assert "stm32h743" in message
    opts.check_platform("stm32h743")
    assert opts.size("64 KB", "sram_budget") == 65536 and opts.size(100, "sram_budget") == 100
    _refused(lambda: opts.size(0, "sram_budget"), r"^sram_budget: must be positive: '0'$")
    _refused(lambda: opts.size(None, "flash_budget"), r"^flash_budget must be a size in bytes or like '64 KB', not N")
    _refused(
        lambda: opts.refuse_unknown({"sed": 1, "x": 2}, ("seed", "samples"), "Random Input"),
        r"^unknown arguments 'sed', 'x' for Random Input \(accepted: seed, samples\)$",
    )
    opts.refuse_unknown({}, ("seed",))


def test_validate_options_accepts_good_options_and_returns_them():
    good = RunOptions(model=HELLO, seed=3, samples=2, max_instructions=10, sram_budget=1024, toolchain="gcc")
    assert opts.validate_options(good) is good
    assert opts.validate_options(RunOptions(model=str(HELLO), inputs=(np.zeros(1), "x.npy"))) is not None


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        ({"seed": -1}, r"^seed must be a whole number >= 0, not -1$"),
        ({"seed": "x"}, r"^seed must be a whole number >= 0, not 'x'$"),
        ({"samples": 0}, r"^samples must be a whole number >= 1, not 0$"),
        ({"max_instructions": 0}, r"^max_instructions must be a whole number >= 1, not 0$"),
        ({"sram_budget": 0}, r"^sram_budget must be a whole number >= 1, not 0$"),
        ({"flash_budget": -5}, r"^flash_budget must be a whole number >= 1, not -5$"),
        ({"engine": "renode"}, r"^engine must be one of unicorn, qemu, not 'renode'$"),
        ({"toolchain": "clang"}, r"^toolchain must be one of gcc, zig, not 'clang'$"),
        ({"image_mode": "rgb"}, r"^image_mode must be one of pixels, raw, not 'rgb'$"),
        ({"memory_model": "no"}, r"^memory_model must be True or False, not 'no'$"),
        ({"lift_limits": 1}, r"^lift_limits must be True or False, not 1$"),
        ({"platform": "nope"}, r"^unknown platform 'nope'"),
        ({"model": 5}, r"^model must be the path of a \.tflite file, not 5$"),
        ({"inputs": (5,)}, r"^input 0 must be a file path or a numpy array, not 5$"),
    ],
)
def test_validate_options_refuses_each_bad_field(change, pattern):
    bad = replace(RunOptions(model=HELLO), **change)
    _refused(lambda: opts.validate_options(bad), pattern, SimtinyError)


# --- the Robot library, called directly -----------------------------------------------------


def test_robot_create_machine_checks_its_arguments():
    lib = SimtinyLibrary()
    for kwargs, pattern in (
        ({"memory_model": "maybe"}, r"^memory_model must be true or false \(or yes/no, on/off, 1/0\), not 'maybe'$"),
        ({"memory_model": ""}, r"^memory_model must be true or false .*, not ''$"),
        ({"foo": "bar"}, r"^unknown argument 'foo' for Create Machine \(accepted: platform, memory_model, toolchain"),
        ({"engine": "renode"}, r"^engine must be one of unicorn, qemu, not 'renode'$"),
        ({"toolchain": "clang"}, r"^toolchain must be one of gcc, zig, not 'clang'$"),
        ({"platform": "nope"}, r"^unknown platform 'nope' \(known: .*stm32h743"),
    ):
        _refused(lambda kwargs=kwargs: lib.create_machine(**kwargs), pattern, AssertionError)
    for spelling, memory in (("No", False), ("on", True), (False, False), ("1", True)):
        lib.create_machine("stm32h743", memory_model=spelling)
        assert lib.machine.memory_model is memory
    lib.create_machine(platform="stm32f746g-disco", engine="unicorn")
    assert lib.machine.platform.name == "stm32f746g-disco"


def test_robot_library_import_arguments_fail_the_first_keyword():
    for kwargs, pattern in (
        ({"memory_model": "maybe"}, r"^Library simtiny.robot: memory_model must be true or false .*'maybe'$"),
        ({"colour": "red"}, r"^Library simtiny.robot: unknown argument 'colour' \(accepted: platform, memory_model"),
        ({"engine": "renode"}, r"^Library simtiny.robot: engine must be one of unicorn, qemu, not 'renode'$"),
        ({"platform": "nope"}, r"^Library simtiny.robot: unknown platform 'nope'"),
    ):
        lib = SimtinyLibrary(**kwargs)  # Robot would show a traceback for an import error
        _refused(lib.create_machine, pattern, AssertionError)
        _refused(lib.use_ideal_memory, pattern, AssertionError)
    assert SimtinyLibrary(memory_model="off").machine.memory_model is False


def test_robot_keyword_arguments_are_checked_before_anything_runs():
    lib = SimtinyLibrary(memory_model=False)
    for call, pattern in (
        (lambda: lib.random_input(seed="x"), r"^seed must be a whole number >= 0, not 'x'$"),
        (lambda: lib.random_input(seed="-1"), r"^seed must be a whole number >= 0, not '-1'$"),
        (lambda: lib.random_input(samples="0"), r"^samples must be a whole number >= 1, not '0'$"),
        (lambda: lib.random_input(samples=0), r"^samples must be a whole number >= 1, not 0$"),
        (lambda: lib.random_input(sed="1"), r"^unknown argument 'sed' for Random Input \(accepted: seed, samples\)$"),
        (lambda: lib.set_instruction_budget("0.1"), r"^count must be a whole number >= 1, not '0.1'$"),
        (lambda: lib.set_sram_budget("0"), r"^must be positive: '0'$"),
        (lambda: lib.wait_for_line_on_uart("x", treatAsRegex="perhaps"), r"^treatAsRegex must be true or false"),
        (lambda: lib.wait_for_line_on_uart("(", treatAsRegex="yes"), r"^content is not a regular expression \("),
        (lambda: lib.build_firmware("x.c", optimize="9"), r"^optimize must be one of 0, 1, 2, 3, s, not '9'$"),
        (lambda: lib.build_firmware("x.c", defines=[""]), r"^defines must be NAME or NAME=VALUE strings, not ''$"),
        (lambda: lib.firmware_should_exit_with("seven"), r"^code must be a whole number, not 'seven'$"),
        (lambda: lib.get_operator_cycles("x"), r"^operator must be a whole number, not 'x'$"),
        (lambda: lib.get_output(colour="red"), r"^unknown argument 'colour' for Get Output \(accepted: output, sample"),
    ):
        _refused(call, pattern, AssertionError)
    # Good arguments get past the checks (to the missing model, here).
    _refused(lambda: lib.random_input(seed="2", samples="3"), r"^no model loaded: use Load Model first", AssertionError)


def test_robot_output_and_sample_indices_name_the_argument_and_the_range():
    lib = SimtinyLibrary(memory_model=False)
    scores = np.array([[1, 9, 3]], dtype=np.int8)
    lib.machine.report = _fake_report([[scores, np.zeros((1, 2), np.int8)], [scores, np.zeros((1, 2), np.int8)]])
    assert lib.get_output("0", "1") == [1, 9, 3] and lib.get_top_class(output=0) == 1
    lib.output_should_be_top_class("1")
    for call, pattern in (
        (lambda: lib.get_output(output=5), r"^output must be a whole number from 0 to 1 \(the model has 2 output"),
        (lambda: lib.get_output(sample="2"), r"^sample must be a whole number from 0 to 1 \(the last run has 2 sample"),
        (lambda: lib.get_top_class(output="x"), r"^output must be a whole number from 0 to 1 .*, not 'x'$"),
        (lambda: lib.get_output(sample=-1), r"^sample must be a whole number from 0 to 1 .*, not -1$"),
        (
            lambda: lib.output_should_be_top_class("3"),
            r"^expected must be a whole number from 0 to 2 \(output 0 has 3 classes\), not '3'$",
        ),
        (lambda: lib.output_should_be_top_class(1, output=2), r"^output must be a whole number from 0 to 1 "),
        (lambda: lib.output_should_be_top_class(1, outptu=1), r"^unknown argument 'outptu' for Output Should Be"),
    ):
        _refused(call, pattern, AssertionError)
    with pytest.raises(AssertionError, match=r"^top class of output 0 \(seed 0\) is 1 \(score 9\), expected 0"):
        lib.output_should_be_top_class("0")


# --- the Robot library, through Robot (its argument routing) --------------------------------

ARGS_SUITE = """\
*** Settings ***
Library    simtiny.robot    memory_model=False

*** Test Cases ***
Bad Arguments Fail In One Line
    Run Keyword And Expect Error    EQUALS:memory_model must be true or false (or yes/no, on/off, 1/0), not 'maybe'
    ...    Create Machine    stm32h743    memory_model=maybe
    Run Keyword And Expect Error
    ...    EQUALS:unknown argument 'foo' for Create Machine (accepted: platform, memory_model, toolchain, engine)
    ...    Create Machine    stm32h743    foo=bar
    Run Keyword And Expect Error    EQUALS:engine must be one of unicorn, qemu, not 'renode'
    ...    Create Machine    engine=renode
    Run Keyword And Expect Error    EQUALS:seed must be a whole number >= 0, not 'x'    Random Input    seed=x
    Run Keyword And Expect Error    EQUALS:samples must be a whole number >= 1, not '0'    Random Input    samples=0
    Run Keyword And Expect Error    EQUALS:unknown argument 'sed' for Random Input (accepted: seed, samples)
    ...    Random Input    sed=1
    Run Keyword And Expect Error    EQUALS:treatAsRegex must be true or false (or yes/no, on/off, 1/0), not 'sure'
    ...    Wait For Line On Uart    hello    treatAsRegex=sure

Good Arguments Still Work
    Create Machine    stm32h743    memory_model=No
    Create Machine    stm32h743    memory_model=${False}    toolchain=${None}    engine=unicorn
    Create Machine    stm32f746g-disco    memory_model=yes
    Run Keyword And Expect Error    EQUALS:no model loaded: use Load Model first    Random Input    seed=1    samples=2

A Bad Import Fails The First Keyword
    Import Library    simtiny.robot    memory_model=perhaps    AS    Other
    Run Keyword And Expect Error
    ...    EQUALS:Library simtiny.robot: memory_model must be true or false (or yes/no, on/off, 1/0), not 'perhaps'
    ...    Other.Create Machine
"""


def test_robot_routes_bad_arguments_to_one_line_failures(tmp_path):
    from robot.api import ExecutionResult

    (tmp_path / "args.robot").write_text(ARGS_SUITE)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "robot", "--outputdir", str(out), "--console", "quiet", "args.robot"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    result = ExecutionResult(str(out / "output.xml"))
    failed = {t.name: t.message for t in result.suite.tests if t.status != "PASS"}
    assert proc.returncode == 0 and not failed, (failed, proc.stdout, proc.stderr)
    assert (result.statistics.total.passed, result.statistics.total.failed) == (3, 0)
    assert "Traceback" not in proc.stderr


# --- the pytest plugin ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"seed": "x"}, r"^seed must be a whole number >= 0, not 'x'$"),
        ({"seed": -1}, r"^seed must be a whole number >= 0, not -1$"),
        ({"samples": 0}, r"^samples must be a whole number >= 1, not 0$"),
        ({"samples": 1.5}, r"^samples must be a whole number >= 1, not 1\.5$"),
        ({"max_instructions": 0}, r"^max_instructions must be a whole number >= 1, not 0$"),
        ({"sram_budget": 0}, r"^sram_budget: must be positive: '0'$"),
        ({"flash_budget": "lots"}, r"^flash_budget: not a size: 'lots'"),
        ({"memory_model": "yes"}, r"^memory_model must be True or False, not 'yes'$"),
        ({"sed": 1}, r"^unknown argument 'sed' for hello_world_int8\.tflite \(accepted: seed, samples, memory_model"),
    ],
)
def test_pytest_model_arguments_are_checked(simtiny, kwargs, pattern):
    _refused(lambda: simtiny.run(HELLO, **kwargs), pattern)


def test_pytest_paths_inputs_firmware_and_build_arguments_are_checked(simtiny):
    for call, pattern in (
        (lambda: simtiny.run(5), r"^target must be a file path \(str or pathlib\.Path\), not 5$"),
        (lambda: simtiny.run(HELLO, 5), r"^input 0 must be a file path or a numpy array, not 5$"),
        (lambda: simtiny.run_model(HELLO, bogus=1), r"^unknown argument 'bogus' for run_model \(accepted: seed, "),
        (
            lambda: simtiny.run(ROOT / "tests" / "firmware" / "hello.c", seed=1),
            r"^unknown argument 'seed' for hello\.c \(accepted: memory_model, max_instructions\)$",
        ),
        (lambda: simtiny.run_firmware("x.elf", colour=1), r"^unknown argument 'colour' for run_firmware"),
        (lambda: simtiny.run_firmware(HELLO, max_instructions=-3), r"^max_instructions must be a whole number >= 1"),
        (lambda: simtiny.build("x.c", optimize="9"), r"^optimize must be one of 0, 1, 2, 3, s, not '9'$"),
        (lambda: simtiny.build("x.c", defines=[1]), r"^defines must be a list of NAME or NAME=VALUE strings, not \[1"),
        (lambda: simtiny.machine(memory_model="no"), r"^memory_model must be True or False, not 'no'$"),
    ):
        _refused(call, pattern)


def test_pytest_top_class_indices_are_checked():
    scores = np.array([[4, 2, 7]], dtype=np.int8)
    result = ModelResult(_fake_report([[scores]]), None)  # type: ignore[arg-type]
    assert result.top_class() == 2 and result.top_class(output=0, sample=0) == 2
    _refused(lambda: result.top_class(output=5), r"^output must be a whole number from 0 to 0 \(the model has 1 output")
    _refused(lambda: result.top_class(sample=1), r"^sample must be a whole number from 0 to 0 \(the run has 1 sample")
    _refused(lambda: result.top_class(output="0"), r"^output must be a whole number from 0 to 0 .*, not '0'$")
    assert not ModelResult(_fake_report([]), None).bit_exact  # type: ignore[arg-type]  # no sample: no verdict


def test_pytest_bad_options_are_usage_errors(pytester):
    pytester.makepyfile("def test_nothing(simtiny):\n    assert simtiny\n")
    result = pytester.runpytest("--simtiny-engine", "renode", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--simtiny-engine must be one of unicorn, qemu, not 'renode'*"])
    result = pytester.runpytest("--simtiny-platform", "nope", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown platform 'nope' (known: *"])
    pytester.makeini("[pytest]\nsimtiny_ideal_memory = maybe\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*simtiny_ideal_memory: *maybe* (true or false)*"])
    assert "Traceback" not in result.stderr.str()


def test_pytest_good_options_still_configure(pytester):
    pytester.makepyfile(
        "def test_settings(simtiny):\n"
        "    assert simtiny.engine == 'unicorn' and simtiny.platform == 'stm32f746g-disco'\n"
        "    assert not simtiny.memory_model\n"
        "    assert simtiny.machine().platform.name == 'stm32f746g-disco'\n"
    )
    result = pytester.runpytest(
        "--simtiny-engine", "unicorn", "--simtiny-platform", "stm32f746g-disco", "--simtiny-ideal-memory",
        "-p", "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(passed=1)


# --- good arguments still run (simulated) ---------------------------------------------------


@pytest.mark.sim
def test_robot_good_string_arguments_run_and_index(tmp_path):
    lib = SimtinyLibrary(memory_model="false")
    lib.load_model(str(HELLO))
    lib.random_input(seed="3", samples="2")
    assert len(lib.machine.report.samples) == 2
    lib.outputs_should_match_golden()
    assert len(lib.get_output("0", "1")) == 1 and lib.get_top_class(sample="1") == 0
    lib.output_should_be_top_class("0")
    np.save(tmp_path / "want.npy", lib.machine.report.samples[-1].outputs[0])
    lib.output_should_match_file(str(tmp_path / "want.npy"), output="0")
    assert lib.get_operator_cycles("1") > 0
    _refused(lambda: lib.get_output(sample=2), r"^sample must be a whole number from 0 to 1 ", AssertionError)
    _refused(lambda: lib.output_should_be_top_class(1), r"^expected must be a whole number from 0 to 0", AssertionError)
    _refused(lambda: lib.get_operator_cycles(9), r"^the model has 3 operators \(0 to 2\), not 9$", AssertionError)


@pytest.mark.sim
def test_pytest_good_arguments_run_and_bad_indices_are_named(simtiny):
    r = simtiny.run(HELLO, seed=np.int64(2), samples=2, memory_model=False, max_instructions=10_000_000)
    assert r.bit_exact and len(r.report.samples) == 2 and r.top_class(sample=1) == 0
    _refused(lambda: r.top_class(output=5), r"^output must be a whole number from 0 to 0 \(the model has 1 output")


def test_model_runs_on_qemu_need_a_board_qemu_models():
    refused = r"^engine 'qemu' has no machine for board stm32h743 \(use --platform mps2-an500\)$"
    with pytest.raises(InputError, match=refused):
        opts.validate_options(RunOptions(model=HELLO, engine="qemu"))
    opts.validate_options(RunOptions(model=HELLO, engine="qemu", platform="mps2-an500"))
    with pytest.raises(InputError, match=r"^cross_check must be"):
        opts.validate_options(RunOptions(model=HELLO, platform="mps2-an500", cross_check="yes"))
