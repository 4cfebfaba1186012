"""simtiny as users install it: a wheel in a fresh virtual environment, used from a folder outside
the checkout, and the documented pre-commit hook in a scratch repository.

Slow (a wheel build and two dependency installs from the package index, about two minutes), and
the only tests that need the index; they run in the full suite, as CI does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "data" / "models"

pytestmark = pytest.mark.sim


def _run(cmd: list[str], cwd: Path, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _clean_env(tmp: Path) -> dict[str, str]:
    """The environment of a user's shell: nothing pointing at this checkout, a fresh build cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SIMTINY_CACHE", "VIRTUAL_ENV")}
    env["SIMTINY_CACHE"] = str(tmp / "cache")
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """A wheel built from this checkout and installed (not editable) into a fresh venv."""
    tmp = tmp_path_factory.mktemp("package")
    env = _clean_env(tmp)
    wheels = tmp / "wheels"
    proc = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)], tmp, env)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = wheels.glob("simtiny-*.whl")
    venv = tmp / "venv"
    proc = _run([sys.executable, "-m", "venv", str(venv)], tmp, env)
    assert proc.returncode == 0, proc.stderr
    proc = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], tmp, env)
    assert proc.returncode == 0, proc.stderr
    user = tmp / "somewhere else"
    user.mkdir()
    return venv, user, env


def test_the_wheel_carries_its_data_and_runs_a_bundled_model(installed):
    venv, user, env = installed
    python = str(venv / "bin" / "python")
    where = _run([python, "-c", "import simtiny.resources as r; print(r.package_path())"], user, env)
    assert where.returncode == 0 and Path(where.stdout.strip()).is_relative_to(venv), where.stdout + where.stderr
    run = _run([str(venv / "bin" / "simtiny"), "run", "proxyless-w0.3-r64"], user, env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "BIT-EXACT: 1 output(s) of 1 sample(s)" in run.stdout and "output 0 [1x1000] int8: bit-exact" in run.stdout
    # an MLPerf Tiny model the wheel ships, by name, on the board its suite measures
    board = _run([str(venv / "bin" / "simtiny"), "run", "mlperf_ad01_int8", "-q",
                  "--platform", "stm32f746g-disco"], user, env)  # fmt: skip
    assert board.returncode == 0 and "BIT-EXACT" in board.stdout, board.stdout + board.stderr
    help_text = _run([str(venv / "bin" / "simtiny"), "bench", "--help"], user, env)
    assert help_text.returncode == 0 and "--models MODEL" in help_text.stdout and "SUITE.md" in help_text.stdout
    assert "mlperf-tiny" in help_text.stdout


def test_the_documented_pre_commit_hook(tmp_path):
    pre_commit = shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit not installed (pip install -e '.[test]' installs it)")
    env = _clean_env(tmp_path)
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    # The hook repository: this working tree as a repository of its own (what a user would pin).
    hook_repo = tmp_path / "simtiny-repo"
    files = _run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], ROOT).stdout.split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (hook_repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, hook_repo / name)
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "simtiny"]):
        assert _run([*git, *cmd], hook_repo, env).returncode == 0
    rev = _run(["git", "rev-parse", "HEAD"], hook_repo, env).stdout.strip()
    # The user's repository, with a model and the configuration the README documents.
    user = tmp_path / "user-repo"
    user.mkdir()
    shutil.copy(MODELS / "hello_world_int8.tflite", user / "sine.tflite")
    (user / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: simtiny-check\n"
        "        args: [--sram-budget, 256K, --latency-budget, 50ms]\n"
    )
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "model"]):
        assert _run([*git, *cmd], user, env).returncode == 0
    proc = _run([pre_commit, "run", "--all-files"], user, env, timeout=1500)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "simtiny pre-flash check" in proc.stdout and "Passed" in proc.stdout
    # and the hook fails a model over the budget it is given
    (user / ".pre-commit-config.yaml").write_text(
        (user / ".pre-commit-config.yaml").read_text().replace("--sram-budget, 256K", "--flash-budget, 1K")
    )
    proc = _run([pre_commit, "run", "--all-files"], user, env, timeout=600)
    assert proc.returncode == 1 and "flash: needs" in proc.stdout, proc.stdout + proc.stderr


def test_the_installed_package_runs_firmware_on_the_qemu_engine(installed):
    """The mps2-an500 board and the QEMU plugin's source ship in the wheel: the plugin is compiled
    from the installed package into the user's cache."""
    venv, user, env = installed
    simtiny = str(venv / "bin" / "simtiny")
    elf = user / "hello.elf"
    build = [simtiny, "build", str(ROOT / "tests" / "firmware" / "hello.c"), "-o", str(elf), "--platform", "mps2-an500"]
    assert _run(build, user, env).returncode == 0
    run = _run([simtiny, "sim", "--engine", "qemu", "--platform", "mps2-an500", str(elf)], user, env)
    assert run.returncode == 7, run.stdout + run.stderr  # hello.c exits with 7
    assert "hello from semihosting" in run.stdout and "no cycle model" in run.stdout
