"""Files simtiny writes for the user: existing ones kept unless --force, the command's own inputs
never overwritten (compared by identity), "-" as standard output, bad paths refused up front."""

from __future__ import annotations

import os
import shutil
import stat
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from support.reports import parse_report, read_report

from simtiny.cli import main
from simtiny.errors import EXIT_USAGE
from simtiny.outputs import check_output, write_output

MODELS = Path(__file__).parent / "data" / "models"


@pytest.fixture
def hello(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SIMTINY_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "hello.tflite"
    shutil.copyfile(MODELS / "hello_world_int8.tflite", path)
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["run", *args, "--ideal-memory"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_an_existing_json_is_kept_unless_force(hello, tmp_path, capsys):
    out = tmp_path / "report.json"
    out.write_text("mine")
    code, _, err = run(capsys, str(hello), "--json", str(out))
    assert code == EXIT_USAGE and "exists; pass --force to overwrite it" in err
    assert out.read_text() == "mine"
    code, _, _ = run(capsys, str(hello), "--json", str(out), "--force")
    assert code == 0 and read_report(out)["bit_exact"]


def test_a_hard_link_of_the_model_is_never_overwritten(hello, tmp_path, capsys):
    link = tmp_path / "link.json"
    os.link(hello, link)
    before = hello.read_bytes()
    for extra in ((), ("--force",)):
        code, _, err = run(capsys, str(hello), "--json", str(link), *extra)
        assert code == EXIT_USAGE and "that is the input file" in err, err
    assert hello.read_bytes() == before


def test_another_spelling_of_the_model_is_the_model(hello, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, str(hello), "--memory-plot", f"./../{tmp_path.name}/hello.tflite", "--force")
    assert code == EXIT_USAGE and "that is the input file" in err


def test_json_dash_is_standard_output(hello, capsys):
    code, out, err = run(capsys, str(hello), "--json", "-")
    assert code == 0
    assert parse_report(out)["compared"]["outputs"] == 1  # stdout holds the JSON alone
    assert "BIT-EXACT" in err and not Path("-").exists()


def test_save_outputs_under_a_file_is_refused_before_the_run(hello, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out, err = run(capsys, str(hello), "--save-outputs", str(blocker / "sub"))
    assert code == EXIT_USAGE and "is a file, not a folder" in err and out == ""


def test_existing_saved_outputs_are_kept_unless_force(hello, tmp_path, capsys):
    folder = tmp_path / "outs"
    folder.mkdir()
    (folder / "output0.npy").write_bytes(b"mine")
    code, out, err = run(capsys, str(hello), "--save-outputs", str(folder))
    assert code == EXIT_USAGE and "exists; pass --force" in err and out == ""
    assert (folder / "output0.npy").read_bytes() == b"mine"
    code, _, _ = run(capsys, str(hello), "--save-outputs", str(folder), "--force")
    assert code == 0 and np.load(folder / "output0.npy").shape == (1, 1)


def test_bench_out_keeps_existing_tables(tmp_path, capsys):
    (tmp_path / "table3.md").write_text("mine")
    code = main(["bench", "--models", str(MODELS / "hello_world_int8.tflite"), "--out", str(tmp_path)])
    assert code == EXIT_USAGE and "table3.md exists; pass --force" in capsys.readouterr().err
    assert (tmp_path / "table3.md").read_text() == "mine"


@pytest.mark.parametrize("seed", ["-1", "x"])
def test_a_bad_seed_is_a_usage_error(hello, capsys, seed):
    with pytest.raises(SystemExit) as excinfo:
        main(["run", str(hello), "--seed", seed])
    assert excinfo.value.code == EXIT_USAGE and "--seed" in capsys.readouterr().err


def test_an_image_claiming_a_huge_size_is_refused_from_its_header(tmp_path, capsys, monkeypatch):
    """A 100000x100000 PNG header: refused before a pixel is decoded (no memory blow-up)."""
    monkeypatch.setenv("SIMTINY_CACHE", str(tmp_path / "cache"))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 64))
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")
    image = tmp_path / "huge.png"
    image.write_bytes(png)
    code = main(["run", str(MODELS / "person_detect.tflite"), "--input", str(image)])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and err.count("\n") == 1 and "huge.png: " in err
    assert "the image is 100000x100000" in err or "decompression bomb" in err, err


def test_a_npy_claiming_a_huge_shape_is_refused_without_reading_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SIMTINY_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "huge.npy"
    with path.open("wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "|i1", "fortran_order": False, "shape": (10**5, 10**5)})
        f.write(b"\0" * 100)
    code = main(["run", str(MODELS / "hello_world_int8.tflite"), "--input", str(path)])
    assert code == EXIT_USAGE and "not a readable .npy file" in capsys.readouterr().err


def test_write_output_is_whole_or_nothing(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("old")

    def fail(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError(28, "No space left on device")

    with pytest.raises(Exception, match="No space left on device"):
        write_output(target, fail, "--json")
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
    check_output(target, "--json", [], force=True)  # allowed with --force: nothing of the input's


def test_device_nodes_and_fifos_are_never_replaced(hello, tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code, _, err = run(capsys, str(hello), "--json", str(fifo), "--force")
    assert code == EXIT_USAGE and "not a regular file" in err
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_symbolic_link_is_written_through_and_modes_are_kept(hello, tmp_path, capsys):
    target = tmp_path / "target.json"
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    code, _, _ = run(capsys, str(hello), "--json", str(link), "--force")
    assert code == 0 and link.is_symlink() and read_report(target)["bit_exact"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    fresh = tmp_path / "fresh.json"
    old = os.umask(0o022)
    try:
        code, _, _ = run(capsys, str(hello), "--json", str(fresh))
    finally:
        os.umask(old)
    assert code == 0 and stat.S_IMODE(fresh.stat().st_mode) == 0o644


def test_build_never_overwrites_a_header_it_reads(tmp_path, capsys):
    include = tmp_path / "inc"
    include.mkdir()
    (include / "cfg.h").write_text("#define X 1\n")
    source = tmp_path / "main.c"
    source.write_text('#include "cfg.h"\nint main(void) { return X; }\n')
    code = main(["build", str(source), "-I", str(include), "-o", str(include / "cfg.h"), "--force"])
    assert code == EXIT_USAGE and "that is the input file" in capsys.readouterr().err
    assert (include / "cfg.h").read_text() == "#define X 1\n"


def test_samples_are_bounded_before_anything_runs(hello, capsys):
    code, out, err = run(capsys, str(hello), "--samples", "2000000")
    assert code == EXIT_USAGE and out == "" and "more than 10,000 in one run" in err
