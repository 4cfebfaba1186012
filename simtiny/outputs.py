"""Files simtiny writes for the user (--json, --memory-plot, --save-outputs, bench --out): nothing
the user has is overwritten unless they say --force, never one of the run's own inputs, compared
by identity (the same file under another name or a hard link is the same file), and each file is
written whole or not at all (a temporary file beside it, then renamed). "-" means standard output.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from simtiny.errors import InputError

STDOUT = "-"


def is_stdout(path: Path | str | None) -> bool:
    return path is not None and str(path) == STDOUT


def same_file(a: Path, b: Path) -> bool:
    """True if both names reach one file (hard links, symbolic links, other spellings)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (or cannot be looked at): not the same file
        return False


def check_output(path: Path, option: str, inputs: Sequence[Path | str] = (), force: bool = False) -> None:
    """Refuse, before any work, an output file the user has not allowed simtiny to write."""
    if is_stdout(path):
        return
    for source in inputs:
        if isinstance(source, str | Path) and same_file(path, Path(source)):
            raise InputError(f"{option} {path}: that is the input file {source}; simtiny never overwrites its inputs")
    if path.is_dir():
        raise InputError(f"{option} {path}: is a folder, not a file")
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):  # a device, a FIFO, a socket
        raise InputError(f"{option} {path}: not a regular file; simtiny writes only regular files")
    if path.exists() and not force:
        raise InputError(f"{option} {path}: exists; pass --force to overwrite it")
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise InputError(f"{option} {path}: the folder {folder} is not writable")


def check_output_folder(folder: Path, option: str, names: Sequence[str], force: bool = False) -> None:
    """A folder simtiny writes `names` into: it may exist, but not the files unless --force."""
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{option} {folder}: exists and is not a folder")
    ancestor = folder
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise InputError(f"{option} {folder}: {ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK):
        raise InputError(f"{option} {folder}: {ancestor} is not writable")
    if not force:
        for name in names:
            if (folder / name).exists():
                raise InputError(f"{option} {folder}: {folder / name} exists; pass --force to overwrite it")


def write_output(path: Path, write: Callable[[Path], None], option: str) -> None:
    """Write through `write(temporary path)` into a temporary file beside `path`, then rename it
    over `path`: a reader never sees half a file, and a hard link to the old file keeps its bytes.
    A symbolic link is written through (the link stays); the file gets the old file's mode, or
    the usual one for a new file (0666 less the umask)."""
    path = Path(os.path.realpath(path))
    mode = stat.S_IMODE(path.stat().st_mode) if path.is_file() else 0o666 & ~_umask()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # the suffix stays last: writers such as matplotlib choose the format by it
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".part{path.suffix}")
        os.close(fd)
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot write it: {exc.strerror}") from None
    try:
        write(Path(tmp))
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot write it: {exc.strerror}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (else set and reset)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_output(path: Path, text: str, option: str) -> None:
    """Text to `path`, or to standard output for "-"."""
    if is_stdout(path):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_output(path, lambda tmp: tmp.write_text(text), option)
