"""Firmware built the usual ways -- newlib's rdimon and picolibc's semihost library -- runs on the
simulated board: printf, the exit status from main's return and from exit(), malloc, files in
the run's directory, the console's input and stderr (tests/firmware/libc/program.c)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from support.libc_firmware import LIBCS, build, missing

from simtiny.cli import main
from simtiny.sim import get_engine
from simtiny.sim.result import RunRequest, RunResult
from simtiny.sim.semihosting import ADP_STOPPED_APPLICATION_EXIT

RETURN, EXIT, HEAP, FILES, CONSOLE, ABORT = 1, 2, 3, 4, 5, 6  # program.c's scenarios


@pytest.fixture(scope="session")
def libc_elf(tmp_path_factory):
    """program.c built with a C library for one scenario, once per session."""
    out = tmp_path_factory.mktemp("libc-firmware")
    built: dict[tuple[str, int, int], Path] = {}

    def get(libc: str, scenario: int, status: int = 3) -> Path:
        reason = missing(libc)
        if reason:
            pytest.skip(reason)
        key = (libc, scenario, status)
        if key not in built:
            built[key] = build(libc, out, scenario, status)
        return built[key]

    return get


@pytest.fixture
def run(platform):
    def go(elf: Path, **kwargs) -> RunResult:
        return get_engine("unicorn").run(RunRequest(elf, platform, max_instructions=50_000_000, **kwargs))

    return go


def _exited(result: RunResult) -> int | None:
    assert result.status == "exit", (result.status, result.fault and result.fault.describe(), result.console.text)
    return result.exit_code


@pytest.mark.sim
@pytest.mark.parametrize("libc", LIBCS)
@pytest.mark.parametrize("scenario", [RETURN, EXIT], ids=["return", "exit"])
@pytest.mark.parametrize("status", [3, 0, 255])
def test_the_exit_status_survives_the_c_library(libc_elf, run, libc, scenario, status):
    """Before simtiny answered `:semihosting-features`, newlib's status 3 arrived as 0 (a false pass)."""
    result = run(libc_elf(libc, scenario, status))
    assert _exited(result) == status
    assert result.exit_reason == ADP_STOPPED_APPLICATION_EXIT
    assert result.console.semihosting == f"hello from {libc}, scenario {scenario}\n"
    assert result.warnings == []


@pytest.mark.sim
@pytest.mark.parametrize("libc", LIBCS)
def test_simtiny_sim_exits_with_the_firmware_status(libc_elf, libc, capsys):
    assert main(["sim", str(libc_elf(libc, EXIT))]) == 3
    out = capsys.readouterr().out
    assert f"hello from {libc}, scenario 2\n" in out and "exited with status 3\n" in out


@pytest.mark.sim
@pytest.mark.parametrize("libc", LIBCS)
def test_abort_is_a_failing_exit(libc_elf, run, libc, capsys):
    result = run(libc_elf(libc, ABORT))
    assert _exited(result) not in (0, None)
    assert main(["sim", str(libc_elf(libc, ABORT))]) != 0
    if libc == "newlib":  # rdimon reports abort as a run-time error, which carries no status
        assert result.exit_code == 1 and "(ADP_Stopped_RunTimeErrorUnknown)" in capsys.readouterr().out
    else:  # picolibc exits with 128 + SIGABRT
        assert result.exit_code == 134


@pytest.mark.sim
@pytest.mark.parametrize("libc", LIBCS)
def test_malloc_calloc_realloc_and_free(libc_elf, run, libc):
    result = run(libc_elf(libc, HEAP))
    assert _exited(result) == 0, result.console.text
    assert "malloc ok: 139264 bytes in 16 blocks\n" in result.console.text


def _files_dir(root: Path) -> Path:
    """A run's directory: input.txt to copy, and a symbolic link pointing out of it."""
    root.mkdir()
    (root / "input.txt").write_bytes(b"Hello, files!\n")
    outside = root.parent / "outside"
    outside.mkdir()
    os.symlink(outside, root / "link")
    return root


@pytest.mark.sim
@pytest.mark.parametrize("libc", LIBCS)
def test_files_live_in_the_runs_directory_and_stay_there(libc_elf, run, libc, tmp_path):
    files = _files_dir(tmp_path / "files")
    result = run(libc_elf(libc, FILES), files=files)
    assert _exited(result) == 0, result.console.text
    assert result.console.text.endswith("files ok\n")
    assert sorted(p.name for p in files.iterdir()) == ["input.txt", "kept.txt", "link", "output.txt"]
    assert (files / "output.txt").read_bytes() == b"HELLO, FILES!\n"
    kept = (files / "kept.txt").read_text()
    assert kept.startswith("line 000\n") and kept.endswith("line 099\nappended\n") and len(kept) == 909
    # '..', an absolute name and the link were refused: nothing appeared outside the directory
    assert sorted(p.name for p in tmp_path.iterdir()) == ["files", "outside"]
    assert list((tmp_path / "outside").iterdir()) == []


@pytest.mark.sim
def test_a_directory_simtiny_makes_is_removed_after_the_run(libc_elf, run, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = run(libc_elf("newlib", FILES))
    # the firmware wrote notes.txt, renamed it, then found no input.txt in its fresh directory
    assert _exited(result) == 31 and "FAILED 31: in != NULL && out != NULL" in result.console.text
    assert list(tmp_path.iterdir()) == []


@pytest.mark.sim
def test_a_missing_files_directory_is_refused(libc_elf, run, tmp_path):
    from simtiny.errors import InputError

    with pytest.raises(InputError, match=r"files directory .*nowhere is not an existing directory"):
        run(libc_elf("newlib", RETURN), files=tmp_path / "nowhere")


@pytest.mark.sim
@pytest.mark.parametrize("libc", LIBCS)
def test_stdin_stdout_stderr_and_float_printf(libc_elf, run, libc):
    result = run(libc_elf(libc, CONSOLE), stdin=b"some input\n")
    assert _exited(result) == 0, result.console.text
    assert result.console.semihosting == (
        f"hello from {libc}, scenario 5\nstdin said: SOME INPUT\nto stderr\npi is about 3.142\n"
    )


def test_the_report_never_turns_a_failing_status_into_a_pass(platform):
    from simtiny.report.sim import exit_code_of, outcome_line, run_to_json
    from simtiny.sim.result import Console

    def result(status: int, reason: int = ADP_STOPPED_APPLICATION_EXIT) -> RunResult:
        return RunResult("unicorn", "exit", status, Console(), 0, 0, 1, None, exit_reason=reason)

    assert [exit_code_of(result(s)) for s in (0, 3, 255, 256, 512, -1, -256)] == [0, 3, 255, 1, 1, 255, 1]
    request = RunRequest(Path("fw.elf"), platform, files=Path("out"))
    assert outcome_line(result(3), request) == "exited with status 3"
    assert outcome_line(result(1, 0x20023), request) == "exited with status 1 (ADP_Stopped_RunTimeErrorUnknown)"
    data = run_to_json(result(1, 0x20023), request)
    assert data["exit_reason"] == "ADP_Stopped_RunTimeErrorUnknown" and data["files"] == "out"


@pytest.mark.sim
def test_simtiny_sim_takes_files_and_stdin(libc_elf, tmp_path, capsys):
    """The command line's --files and --stdin reach the firmware."""
    files = _files_dir(tmp_path / "files")
    assert main(["sim", str(libc_elf("newlib", FILES)), "--files", str(files), "-q"]) == 0
    assert capsys.readouterr().out.endswith("files ok\n")
    assert (files / "output.txt").read_bytes() == b"HELLO, FILES!\n"
    given = tmp_path / "stdin.txt"
    given.write_bytes(b"some input\n")
    assert main(["sim", str(libc_elf("newlib", CONSOLE)), "--stdin", str(given), "-q"]) == 0
    assert "stdin said: SOME INPUT" in capsys.readouterr().out
    assert main(["sim", str(libc_elf("newlib", FILES)), "--files", str(tmp_path / "missing")]) == 2
    assert "--files" in capsys.readouterr().err
