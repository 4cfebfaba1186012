"""Where simtiny keeps build products between runs, and how it keeps them whole.

The cache is content-addressed: an entry's name is a hash of everything that went into it, so an
entry never changes once written, and the cache is safe to delete. An entry is a folder whose
files are listed with their size and sha256 in manifest.json, written last. It is built in a
private `.tmp-*` folder beside it and published with one rename, so nobody ever sees half an
entry, and two runs building the same entry at once both succeed (the later finds the earlier's
entry and drops its own). On reuse the files are checked against the manifest: a damaged,
truncated or incomplete entry is rebuilt, with a one-line warning on stderr. Single files whose
content the caller knows (weight blobs, generated sources) are compared with it instead.

A run that is killed leaves its `.tmp-*` folder behind. Each temporary is locked (flock) by the
run that owns it, and a run about to write an entry removes the unlocked temporaries of its
folder older than a minute (the minute spares one whose owner has not locked it yet). Where
locks are not available, temporaries older than a day are removed instead.

Any OSError while writing (a read-only cache, a file where a folder should be, a full disk) is
a CacheError: one line naming the cache, exit 2.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from simtiny.errors import InputError

try:
    import fcntl
except ImportError:  # not on Windows: temporaries are then only removed by age
    fcntl = None  # type: ignore[assignment]

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
LEGACY_STAMPS = ("build.key",)  # what marked a finished entry before manifests: rebuilt quietly
TMP_PREFIX = ".tmp-"
ASIDE_PREFIX = f"{TMP_PREFIX}old-"  # a damaged entry moved out of the way, being removed
LOCK_NAME = ".lock"
GRACE_SECONDS = 60.0  # an unlocked temporary younger than this may be one being set up
STALE_SECONDS = 24 * 3600.0  # without locks, a temporary this old is a dead run's
EXISTS = (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR)  # "entry already there"


class CacheError(InputError):
    """The cache folder cannot be written (read-only, not a folder, disk full)."""

    def __init__(self, path: Path, reason: str = "") -> None:
        super().__init__(f"cache not writable: {path} (set SIMTINY_CACHE)", details=reason)
        self.path = path


def cache_dir() -> Path:
    """$SIMTINY_CACHE, else $XDG_CACHE_HOME/simtiny, else ~/.cache/simtiny."""
    explicit = os.environ.get("SIMTINY_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "simtiny"


def warn(message: str) -> None:
    """One line on stderr, as the command line prints every warning."""
    print(f"simtiny: warning: {message}", file=sys.stderr)


@contextmanager
def writing() -> Iterator[None]:
    """Turn an OSError raised while writing the cache into a CacheError naming the cache."""
    try:
        yield
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise CacheError(cache_dir(), f"{where}{exc.strerror or exc}") from exc


# -- entries: folders with a manifest ---------------------------------------------------------


def entry_problem(entry: Path, expect: Sequence[str] = ()) -> str | None:
    """Why `entry` cannot be reused: None when it is whole, "" when it is absent (or written
    before manifests existed), else a short reason. `expect`: files it must hold."""
    try:
        text = (entry / MANIFEST).read_text()
    except (FileNotFoundError, NotADirectoryError):
        return "incomplete: no manifest" if _has_products(entry) else ""
    except (OSError, UnicodeDecodeError) as exc:
        return f"manifest unreadable: {exc}"
    try:
        manifest = json.loads(text)
        files = {name: (int(f["size"]), str(f["sha256"])) for name, f in manifest["files"].items()}
        if manifest["format"] != MANIFEST_FORMAT:
            return f"manifest format {manifest['format']}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return "manifest damaged"
    for name in expect:
        if name not in files:
            return f"{name} not in the manifest"
    for name, (size, digest) in files.items():
        problem = _file_problem(entry, name, size, digest)
        if problem:
            return problem
    return None


def _has_products(entry: Path) -> bool:
    """Whether a folder without a manifest holds files that claim to be an entry's: not when it
    is empty (a failed build before manifests existed left those) or has a legacy stamp."""
    try:
        names = {p.name for p in entry.iterdir() if p.is_file()}
    except OSError:
        return os.path.lexists(entry)  # a file where the entry's folder should be
    return bool(names) and not names & set(LEGACY_STAMPS)


def _file_problem(entry: Path, name: str, size: int, digest: str) -> str:
    """What is wrong with one file of an entry, or ""."""
    if Path(name).name != name or name in ("", ".", ".."):
        return "manifest damaged"
    path = entry / name
    try:
        actual = path.stat().st_size
        if not path.is_file():
            return f"{name} is not a file"
        if actual != size:
            return f"{name} truncated ({actual} of {size} bytes)" if actual < size else f"{name} has the wrong size"
        if _sha256(path) != digest:
            return f"{name} does not match its sha256"
    except FileNotFoundError:
        return f"{name} missing"
    except OSError as exc:
        return f"{name} unreadable: {exc.strerror}"
    return ""


def reuse(entry: Path, what: str, expect: Sequence[str] = ()) -> bool:
    """True when `entry` is whole; when it is there but damaged, says so (it is then rebuilt)."""
    problem = entry_problem(entry, expect)
    if problem:
        warn(f"{what} in the cache is damaged ({problem}); rebuilding it")
    return problem is None


@contextmanager
def new_entry(entry: Path) -> Iterator[Path]:
    """A private scratch folder beside `entry` to build it in. When the block ends without an
    error, the folder's files are hashed into the manifest and the folder becomes `entry` in one
    rename (subfolders are scratch space: dropped first). On an error nothing is published."""
    with writing():
        entry.parent.mkdir(parents=True, exist_ok=True)
        sweep(entry.parent)
        scratch = _fresh_dir(entry.parent)
    lock = None
    try:
        lock = _lock(scratch / LOCK_NAME)
        yield scratch
        with writing():
            _write_manifest(scratch)
            _publish(scratch, entry)
    finally:
        if lock is not None:
            os.close(lock)
        shutil.rmtree(scratch, ignore_errors=True)  # already gone once published


def _write_manifest(scratch: Path) -> None:
    for child in scratch.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
    (scratch / LOCK_NAME).unlink(missing_ok=True)  # still held: the sweep then goes by age
    files = {
        p.name: {"size": p.stat().st_size, "sha256": _sha256(p)} for p in sorted(scratch.iterdir()) if p.is_file()
    }
    text = json.dumps({"format": MANIFEST_FORMAT, "files": files}, indent=1)
    (scratch / MANIFEST).write_text(text + "\n")


def _publish(scratch: Path, entry: Path) -> None:
    """Rename `scratch` to `entry`; a whole entry already there wins, a damaged one is replaced."""
    for _ in range(8):
        try:
            os.rename(scratch, entry)
            return
        except OSError as exc:
            if exc.errno not in EXISTS:
                raise
        if entry_problem(entry) is None:
            return  # another run published the same entry first: ours is dropped
        aside = entry.parent / f"{ASIDE_PREFIX}{secrets.token_hex(6)}"
        try:
            os.rename(entry, aside)
        except FileNotFoundError:
            continue  # another run moved it away first
        _remove(aside)
    raise OSError(errno.EBUSY, "other runs keep replacing this entry", str(entry))


# -- single files whose content the caller knows ---------------------------------------------


def keep_file(path: Path, data: bytes, what: str) -> Path:
    """`path`, holding exactly `data`: written when absent; rewritten, with a warning, when it
    holds anything else (a flipped byte, a truncation)."""
    try:
        if path.read_bytes() == data:
            return path
        warn(f"{what} {path.name} in the cache is damaged; rewriting it")
    except (FileNotFoundError, NotADirectoryError):
        pass
    except OSError as exc:
        warn(f"{what} {path.name} in the cache is unreadable ({exc.strerror}); rewriting it")
        with writing():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
    write_atomically(path, data)
    return path


def write_atomically(path: Path, data: bytes) -> None:
    """Write a temporary beside `path`, then rename it over `path`: readers see old or new."""
    with writing():
        path.parent.mkdir(parents=True, exist_ok=True)
        sweep(path.parent)
        while True:
            tmp = path.parent / f"{TMP_PREFIX}{secrets.token_hex(6)}"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileExistsError:
                continue
        try:
            with suppress(OSError):
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


# -- leftovers of killed runs ----------------------------------------------------------------


def sweep(folder: Path, now: float | None = None) -> list[Path]:
    """Remove the temporaries that killed runs left in `folder`; the paths removed."""
    now = time.time() if now is None else now
    removed = []
    try:
        items = [Path(e.path) for e in os.scandir(folder) if e.name.startswith(TMP_PREFIX)]
    except OSError:
        return removed
    for item in items:
        try:
            age = now - item.lstat().st_mtime
        except OSError:
            continue
        if age < GRACE_SECONDS:
            continue
        is_dir = item.is_dir() and not item.is_symlink()
        if item.name.startswith(ASIDE_PREFIX):
            owner_gone: bool | None = True  # a damaged entry moved aside: nobody works in it
        else:
            owner_gone = _unlocked(item / LOCK_NAME if is_dir else item)
        if owner_gone or (owner_gone is None and age > STALE_SECONDS):
            _remove(item)
            removed.append(item)
    return removed


def _unlocked(lock_file: Path) -> bool | None:
    """Whether nobody holds `lock_file`'s lock; None when that cannot be told."""
    if fcntl is None:
        return None
    try:
        fd = os.open(lock_file, os.O_RDWR)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError:
        return None
    finally:
        os.close(fd)


def _lock(lock_file: Path) -> int | None:
    """Create and lock `lock_file`, held until the descriptor is closed; None where unsupported."""
    if fcntl is None:
        return None
    with writing():
        fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _fresh_dir(parent: Path) -> Path:
    """A new, empty `.tmp-*` folder in `parent` (made with the usual permissions, unlike mkdtemp)."""
    while True:
        path = parent / f"{TMP_PREFIX}{secrets.token_hex(6)}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(OSError):
            path.unlink()


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
