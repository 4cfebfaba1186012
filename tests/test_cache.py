"""The build cache keeps itself whole: damaged entries are rebuilt with a warning, writes are
atomic and safe under concurrent runs, leftovers of killed runs are swept, and an unusable
cache is one line and exit 2."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import simtiny
from simtiny import cache
from simtiny.cache import MANIFEST, CacheError, cache_dir, entry_problem, new_entry
from simtiny.cli import main
from simtiny.errors import EXIT_USAGE
from simtiny.flow.build import _build_key, available_toolchains, find_toolchain
from simtiny.flow.codegen import blob_path
from simtiny.flow.run import build_firmware
from simtiny.platform import load_platform

FIRMWARE = Path(__file__).resolve().parent / "firmware"
HELLO_C = FIRMWARE / "hello.c"
HELLO_MODEL = Path(__file__).resolve().parent / "data" / "models" / "hello_world_int8.tflite"


@pytest.fixture
def own_cache(tmp_path, monkeypatch) -> Path:
    """A cache of this test's own, so the shared one is never touched."""
    root = tmp_path / "cache"
    monkeypatch.setenv("SIMTINY_CACHE", str(root))
    return root


@pytest.fixture
def board():
    if not available_toolchains():
        pytest.skip("no Cortex-M compiler installed")
    return load_platform("stm32h743")


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x40
    path.write_bytes(bytes(data))


def _warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("simtiny: warning: ")]


def test_flipped_byte_in_the_cached_elf_is_rebuilt(own_cache, board, capsys):
    first = build_firmware([HELLO_C], board)
    good = first.elf.read_bytes()
    _flip(first.elf, len(good) // 2)
    again = build_firmware([HELLO_C], board)
    warnings = _warnings(capsys.readouterr().err)
    assert len(warnings) == 1 and "does not match its sha256" in warnings[0] and "rebuilding" in warnings[0]
    assert not again.cached and again.elf == first.elf
    assert again.elf.read_bytes() == good  # the builds are reproducible: the rebuilt ELF is the right one
    third = build_firmware([HELLO_C], board)
    assert third.cached and not _warnings(capsys.readouterr().err)


def test_truncated_elf_is_rebuilt(own_cache, board, capsys):
    first = build_firmware([HELLO_C], board)
    good = first.elf.read_bytes()
    first.elf.write_bytes(good[:200])
    again = build_firmware([HELLO_C], board)
    (warning,) = _warnings(capsys.readouterr().err)
    assert f"truncated (200 of {len(good)} bytes)" in warning
    assert not again.cached and again.elf.read_bytes() == good


@pytest.mark.parametrize("damage", ["no manifest", "bad manifest", "no map"])
def test_incomplete_entry_is_rebuilt(own_cache, board, capsys, damage):
    first = build_firmware([HELLO_C], board)
    entry = first.elf.parent
    if damage == "no manifest":
        (entry / MANIFEST).unlink()
    elif damage == "bad manifest":
        (entry / MANIFEST).write_text('{"format": 1, "files": ')
    else:
        first.map.unlink()
    again = build_firmware([HELLO_C], board)
    (warning,) = _warnings(capsys.readouterr().err)
    assert {"no manifest": "incomplete", "bad manifest": "manifest damaged", "no map": "missing"}[damage] in warning
    assert not again.cached and entry_problem(entry) is None and again.map.is_file()


@pytest.mark.parametrize("legacy", ["finished", "failed"])
def test_entry_from_before_manifests_is_rebuilt_quietly(own_cache, board, capsys, legacy):
    first = build_firmware([HELLO_C], board)
    entry = first.elf.parent
    (entry / MANIFEST).unlink()
    if legacy == "finished":  # a stamp with the key marked a finished build
        (entry / "build.key").write_text(entry.name.rsplit("-", 1)[1])
    else:  # a failed or killed build left its folder empty, or with a temporary folder in it
        for f in entry.iterdir():
            f.unlink()
        (entry / "tmpabc123").mkdir()
    again = build_firmware([HELLO_C], board)
    assert not again.cached and not _warnings(capsys.readouterr().err)
    assert entry_problem(entry) is None and not (entry / "build.key").exists()


def test_flipped_byte_in_the_generated_source_is_rewritten(own_cache, board, capsys):
    compiled = simtiny.compile_model(HELLO_MODEL, "stm32h743")
    source = compiled.firmware.elf.parent  # the build entry; the model's C is in generated/
    (model_c,) = (own_cache / "generated").glob("*/model.c")
    good = model_c.read_bytes()
    _flip(model_c, len(good) // 2)
    again = simtiny.compile_model(HELLO_MODEL, "stm32h743")
    (warning,) = _warnings(capsys.readouterr().err)
    assert "generated source model.c" in warning and "damaged" in warning
    assert model_c.read_bytes() == good
    assert again.firmware.elf.parent == source and again.firmware.cached  # the same key: the same build


def test_flipped_byte_in_a_weight_blob_is_rewritten(own_cache, capsys):
    data = bytes(range(256)) * 8
    path = blob_path(data)
    assert path.read_bytes() == data and not _warnings(capsys.readouterr().err)
    _flip(path, 100)
    assert blob_path(data) == path and path.read_bytes() == data
    (warning,) = _warnings(capsys.readouterr().err)
    assert "weight blob" in warning
    path.write_bytes(data[:10])
    assert blob_path(data).read_bytes() == data
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporaries left


def test_damaged_native_library_is_rebuilt(own_cache, capsys):
    from simtiny.hostcc import host_compilers
    from simtiny.sim.unicorn.native import library_path

    if not host_compilers():
        pytest.skip("no host C compiler")
    library = library_path()
    good = library.read_bytes()
    _flip(library, len(good) // 2)
    flipped = library.read_bytes()
    assert library_path() == library and library.read_bytes() != flipped
    (warning,) = _warnings(capsys.readouterr().err)
    assert "native block counter" in warning
    assert entry_problem(library.parent) is None


def test_leftovers_of_killed_runs_are_swept(own_cache, board):
    builds = own_cache / "builds"
    builds.mkdir(parents=True)
    old = time.time() - 3600

    def leftover(name: str, lock: bool = True) -> Path:
        path = builds / name
        path.mkdir()
        (path / "work").mkdir()
        (path / "work" / "main.o").write_bytes(b"half an object")
        if lock:
            (path / cache.LOCK_NAME).touch()
        os.utime(path, (old, old))
        return path

    dead = leftover(".tmp-dead")
    dead_unlocked_file = builds / ".tmp-halfwritten"
    dead_unlocked_file.write_bytes(b"x")
    os.utime(dead_unlocked_file, (old, old))
    aside = leftover(".tmp-old-0123", lock=False)
    live = leftover(".tmp-live")
    young = builds / ".tmp-young"
    young.mkdir()  # no lock yet: its run may be just starting
    not_ours = leftover("tmpfirmware-gcc-0123")  # a firmware may be called tmp-something
    fd = os.open(live / cache.LOCK_NAME, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # the run that owns it is alive
        build_firmware([HELLO_C], board)  # a miss: the build sweeps before it writes
    finally:
        os.close(fd)
    assert not dead.exists() and not dead_unlocked_file.exists() and not aside.exists()
    assert live.is_dir() and young.is_dir() and not_ours.is_dir()
    assert cache.sweep(builds) == [live]  # its owner is gone now


def test_sweep_without_locks_goes_by_age(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "fcntl", None)
    now = time.time()
    for name, age in ((".tmp-hour", 3600), (".tmp-week", 7 * 86400)):
        (tmp_path / name).mkdir()
        os.utime(tmp_path / name, (now - age, now - age))
    assert cache.sweep(tmp_path, now) == [tmp_path / ".tmp-week"]


@pytest.mark.parametrize("where", ["file", "under a file"])
def test_unusable_cache_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, board, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    root = blocker if where == "file" else blocker / "simtiny"
    monkeypatch.setenv("SIMTINY_CACHE", str(root))
    code = main(["build", str(HELLO_C), "-o", str(tmp_path / "hello.elf")])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert err.splitlines() == [f"simtiny: error: cache not writable: {root} (set SIMTINY_CACHE)"]
    assert blocker.read_text() == "not a folder"


def test_unusable_cache_for_a_model_run(tmp_path, monkeypatch, capsys, board):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    monkeypatch.setenv("SIMTINY_CACHE", str(blocker))
    assert main(["run", str(HELLO_MODEL)]) == EXIT_USAGE
    message = f"simtiny: error: cache not writable: {blocker} (set SIMTINY_CACHE)"
    assert capsys.readouterr().err.splitlines() == [message]


def test_full_disk_is_a_cache_error(own_cache, board, monkeypatch):
    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device", str(dst))

    monkeypatch.setattr(cache.os, "rename", full)
    with pytest.raises(CacheError, match="cache not writable") as caught:
        build_firmware([HELLO_C], board)
    assert caught.value.exit_code == EXIT_USAGE and "No space left" in caught.value.details
    monkeypatch.undo()
    assert not [p for p in (own_cache / "builds").iterdir()]  # nothing half-published, no temporaries


def test_two_runs_publishing_one_entry(own_cache):
    """Both finish; the first entry published stays, the later one's files are dropped."""
    entry = cache_dir() / "things" / "abc"
    with new_entry(entry) as first:
        (first / "a.bin").write_bytes(b"first")
        with new_entry(entry) as second:
            (second / "a.bin").write_bytes(b"second")
        assert (entry / "a.bin").read_bytes() == b"second"
    assert (entry / "a.bin").read_bytes() == b"second" and entry_problem(entry) is None
    assert sorted(p.name for p in entry.parent.iterdir()) == ["abc"]


def test_a_damaged_entry_in_the_way_is_replaced(own_cache):
    entry = cache_dir() / "things" / "abc"
    with new_entry(entry) as scratch:
        (scratch / "a.bin").write_bytes(b"old")
    (entry / "a.bin").write_bytes(b"bad")
    with new_entry(entry) as scratch:
        (scratch / "a.bin").write_bytes(b"new")
    assert (entry / "a.bin").read_bytes() == b"new" and entry_problem(entry) is None
    assert json.loads((entry / MANIFEST).read_text())["files"]["a.bin"]["size"] == 3
    assert sorted(p.name for p in entry.parent.iterdir()) == ["abc"]


def test_a_failed_build_publishes_nothing(own_cache):
    entry = cache_dir() / "things" / "abc"
    with pytest.raises(RuntimeError), new_entry(entry) as scratch:
        (scratch / "a.bin").write_bytes(b"half")
        raise RuntimeError("compiler died")
    assert not entry.exists() and not list(entry.parent.iterdir())


def test_concurrent_builds_of_one_entry(own_cache, board, tmp_path):
    """Two processes and two threads build the same firmware into an empty cache at once."""
    env = {**os.environ, "SIMTINY_CACHE": str(own_cache)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "simtiny.cli", "build", str(HELLO_C), "-o", str(tmp_path / f"p{k}.elf")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(2)
    ]
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(build_firmware([HELLO_C], board))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert all(err == "" for _, err in outputs), outputs
    assert len(results) == 2 and results[0].elf == results[1].elf
    assert (tmp_path / "p0.elf").read_bytes() == (tmp_path / "p1.elf").read_bytes()
    for entry in (own_cache / "builds").iterdir():
        assert not entry.name.startswith(".tmp-") and entry_problem(entry) is None


@pytest.mark.sim
def test_rebuilt_firmware_runs(own_cache, board, capsys, tmp_path):
    elf = build_firmware([HELLO_C], board).elf
    _flip(elf, 200)
    assert main(["build", str(HELLO_C), "-o", str(tmp_path / "hello.elf")]) == 0
    assert main(["sim", "-q", str(tmp_path / "hello.elf")]) == 7  # hello.c exits with 7
    out, err = capsys.readouterr()
    assert "hello from USART3" in out and len(_warnings(err)) == 1


def test_build_key_covers_sources_an_included_source_pulls_in(tmp_path):
    """A kernel's *_shifts.c twin includes the kernel's .c: a change there must give a new
    build, not the cached firmware of the old kernel."""
    include = tmp_path / "kernels"
    include.mkdir()
    (include / "k.c").write_text("int k(void) { return 1; }\n")
    twin = include / "k_shifts.c"
    twin.write_text('#define SHIFTS 1\n#include "k.c"\n')
    script = tmp_path / "linker.ld"
    script.write_text("")
    toolchain = find_toolchain(None)
    before = _build_key(toolchain, [], [twin], [include], script)
    (include / "k.c").write_text("int k(void) { return 2; }\n")
    assert _build_key(toolchain, [], [twin], [include], script) != before
