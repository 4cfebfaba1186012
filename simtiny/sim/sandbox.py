"""The per-run directory that semihosting's file calls work in: names from the firmware are confined
to it, open handles and the bytes the run adds to its files are bounded, and a directory simtiny
made itself is removed after the run.

A refused or failed call raises `FileError` with the errno the firmware sees (newlib's and
picolibc's numbering, not the host's); nothing outside the directory is ever touched.
"""

from __future__ import annotations

import contextlib
import errno as host_errno
import io
import os
import shutil
import stat
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TypeVar

from simtiny.errors import InputError

# errno values as newlib and picolibc number them: SYS_ERRNO hands these to the firmware's C library
EPERM, ENOENT, EIO, EBADF, ENOMEM, EACCES, EBUSY, EEXIST, EXDEV = 1, 2, 5, 9, 12, 13, 16, 17, 18
ENOTDIR, EISDIR, EINVAL, ENFILE, EMFILE, EFBIG, ENOSPC, ESPIPE, EROFS = 20, 21, 22, 23, 24, 27, 28, 29, 30
ENOSYS, ENOTEMPTY, ENAMETOOLONG, ELOOP = 88, 90, 91, 92
_BY_NAME = {
    "EPERM": EPERM,
    "ENOENT": ENOENT,
    "EIO": EIO,
    "EBADF": EBADF,
    "ENOMEM": ENOMEM,
    "EACCES": EACCES,
    "EBUSY": EBUSY,
    "EEXIST": EEXIST,
    "EXDEV": EXDEV,
    "ENOTDIR": ENOTDIR,
    "EISDIR": EISDIR,
    "EINVAL": EINVAL,
    "ENFILE": ENFILE,
    "EMFILE": EMFILE,
    "EFBIG": EFBIG,
    "ENOSPC": ENOSPC,
    "ESPIPE": ESPIPE,
    "EROFS": EROFS,
    "ENOSYS": ENOSYS,
    "ENOTEMPTY": ENOTEMPTY,
    "ENAMETOOLONG": ENAMETOOLONG,
    "ELOOP": ELOOP,
}

FIRST_HANDLE = 4  # 1, 2 and 3 are the console's stdout, stderr and stdin
MAX_OPEN = 64  # files open at once
WRITE_LIMIT = 256 << 20  # bytes a run may add to its files (what it grows them by)
NAME_LIMIT = 4096  # longest file name
T = TypeVar("T")
MODES = ("r", "rb", "r+", "r+b", "w", "wb", "w+", "w+b", "a", "ab", "a+", "a+b")  # SYS_OPEN's mode numbers


class FileError(Exception):
    """A file call refused or failed: `code` is the errno the firmware gets."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def target_errno(exc: OSError) -> int:
    """The firmware's errno for a host error (EIO when the C library has no such number)."""
    name = host_errno.errorcode.get(exc.errno or 0, "")
    return _BY_NAME.get(name, EIO)


@dataclass
class OpenFile:
    """One open handle: a host file in the directory, or bytes simtiny serves (`:semihosting-features`)."""

    stream: io.RawIOBase | io.BytesIO
    readable: bool
    writable: bool
    append: bool = False

    def size(self) -> int:
        at = self.stream.tell()
        end = self.stream.seek(0, os.SEEK_END)
        self.stream.seek(at)
        return end

    def read(self, n: int) -> bytes:
        if not self.readable:
            raise FileError(EBADF)
        return _host(lambda: self.stream.read(n) or b"")

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            done = _host(lambda part=view: self.stream.write(part))
            if not done:
                raise FileError(EIO)
            view = view[done:]

    def close(self) -> None:
        self.stream.close()


@dataclass
class _Held:
    """What a sandbox holds on the host, released by `Sandbox.close` or when it is collected."""

    files: dict[int, OpenFile] = field(default_factory=dict)
    temp: Path | None = None

    def release(self) -> None:
        for f in self.files.values():
            with contextlib.suppress(OSError):
                f.close()
        self.files.clear()
        if self.temp is not None:
            shutil.rmtree(self.temp, ignore_errors=True)
            self.temp = None


class Sandbox:
    """The files of one run: `root` (the caller's directory, kept) or a temporary directory made
    at the first file call and removed by `close`."""

    def __init__(self, root: Path | None = None, max_open: int = MAX_OPEN, write_limit: int = WRITE_LIMIT) -> None:
        if root is not None and not Path(root).is_dir():
            raise InputError(f"files directory {root} is not an existing directory")
        self.given = None if root is None else Path(root)
        self.max_open = max_open
        self.write_limit = write_limit
        self.grown = 0  # bytes the run added to files, counted against write_limit
        self._held = _Held()
        self._root: Path | None = None
        self._release = weakref.finalize(self, self._held.release)

    @property
    def root(self) -> Path:
        """The directory (made now when simtiny provides it)."""
        if not self._release.alive:  # closed: the run is over
            raise FileError(EBADF)
        if self._root is None:
            if self.given is not None:
                self._root = _host(self.given.resolve)
            else:
                self._held.temp = Path(_host(lambda: tempfile.mkdtemp(prefix="simtiny-files-"))).resolve()
                self._root = self._held.temp
        return self._root

    def close(self) -> None:
        """Close every handle and remove a directory simtiny made (the caller's is kept)."""
        self._release()

    # ----- names --------------------------------------------------------------------------------
    def path(self, raw: bytes) -> Path:
        """The host path of a firmware's file name, refused (EACCES) when it could leave the directory:
        absolute, with '..', or through a symbolic link that points out."""
        name = raw.split(b"\0", 1)[0]
        if not name:
            raise FileError(ENOENT)
        if len(name) > NAME_LIMIT:
            raise FileError(ENAMETOOLONG)
        text = os.fsdecode(name)
        relative = PurePosixPath(text)
        if relative.is_absolute() or ".." in relative.parts or "\\" in text:
            raise FileError(EACCES)
        root = self.root
        path = Path(os.path.realpath(root / relative))
        if path != root and root not in path.parents:
            raise FileError(EACCES)
        return path

    # ----- handles ------------------------------------------------------------------------------
    def open(self, raw: bytes, mode: int) -> int:
        """Open a file with a SYS_OPEN mode number (0-11: fopen's r, rb, r+, ... a+b)."""
        if not 0 <= mode < len(MODES):
            raise FileError(EINVAL)
        path = self.path(raw)
        self._room_for_one()
        kind, update = MODES[mode][0], "+" in MODES[mode]
        flags = {"r": 0, "w": os.O_CREAT | os.O_TRUNC, "a": os.O_CREAT | os.O_APPEND}[kind]
        flags |= os.O_RDWR if update else (os.O_RDONLY if kind == "r" else os.O_WRONLY)
        fd = _host(lambda: os.open(path, flags | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0), 0o644))
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise FileError(EISDIR)
            if not stat.S_ISREG(info.st_mode):  # a FIFO or device in the caller's directory
                raise FileError(EACCES)
            os.set_blocking(fd, True)
        except BaseException:
            os.close(fd)
            raise
        readable = kind == "r" or update
        writable = kind != "r" or update
        stream = io.FileIO(fd, "r+" if readable and writable else ("r" if readable else "w"))
        return self._add(OpenFile(stream, readable, writable, append=kind == "a"))

    def add_bytes(self, content: bytes) -> int:
        """A read-only handle on bytes simtiny provides."""
        if not self._release.alive:
            raise FileError(EBADF)
        self._room_for_one()
        return self._add(OpenFile(io.BytesIO(content), readable=True, writable=False))

    def get(self, handle: int) -> OpenFile:
        f = self._held.files.get(handle)
        if f is None:
            raise FileError(EBADF)
        return f

    def is_open(self, handle: int) -> bool:
        return handle in self._held.files

    def close_handle(self, handle: int) -> None:
        f = self._held.files.pop(handle, None)
        if f is None:
            raise FileError(EBADF)
        _host(f.close)

    def seek(self, handle: int, position: int) -> None:
        f = self.get(handle)
        if position < 0:
            raise FileError(EINVAL)
        _host(lambda: f.stream.seek(position))

    def length(self, handle: int) -> int:
        f = self.get(handle)
        return _host(f.size)

    def reserve(self, handle: int, length: int) -> OpenFile:
        """The handle, ready for a write of `length` bytes: refused (ENOSPC) when the run would add
        more than `write_limit` bytes to its files in all."""
        f = self.get(handle)
        if not f.writable:
            raise FileError(EBADF)
        size = _host(f.size)
        at = size if f.append else _host(f.stream.tell)
        grow = max(0, at + length - size)
        if self.grown + grow > self.write_limit:
            raise FileError(ENOSPC)
        self.grown += grow
        return f

    # ----- names on the host --------------------------------------------------------------------
    def remove(self, raw: bytes) -> None:
        path = self.path(raw)
        if path == self.root:
            raise FileError(EACCES)
        _host(lambda: os.remove(path))

    def rename(self, old: bytes, new: bytes) -> None:
        source, target = self.path(old), self.path(new)
        if self.root in (source, target):
            raise FileError(EACCES)
        _host(lambda: os.rename(source, target))

    def _room_for_one(self) -> None:
        if len(self._held.files) >= self.max_open:
            raise FileError(EMFILE)

    def _add(self, f: OpenFile) -> int:
        handle = FIRST_HANDLE
        while handle in self._held.files:
            handle += 1
        self._held.files[handle] = f
        return handle


def _host(action: Callable[[], T]) -> T:
    """Run a host file operation; its OSError becomes the firmware's errno."""
    try:
        return action()
    except OSError as exc:
        raise FileError(target_errno(exc)) from None
