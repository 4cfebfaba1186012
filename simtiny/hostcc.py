"""The host C compiler: shared libraries for the native block counter and host kernel runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from simtiny.errors import ToolchainError


def host_compilers() -> list[list[str]]:
    """Working candidates, best first: $CC, cc, gcc, clang, zig cc (PyPI)."""
    found: list[list[str]] = []
    for name in (os.environ.get("CC", ""), "cc", "gcc", "clang"):
        if name and shutil.which(name) and [name] not in found:
            found.append([name])
    try:
        import ziglang  # noqa: F401

        found.append([sys.executable, "-m", "ziglang", "cc"])
    except ImportError:
        pass
    return found


def compile_shared(
    sources: list[Path], target: Path, flags: list[str] | None = None, what: str = "library"
) -> Path:
    """Compile C sources (or objects) into a shared library at `target` (atomically)."""
    return _compile(["-shared", "-fPIC"], sources, target, flags, what)


def compile_object(source: Path, target: Path, flags: list[str] | None = None, what: str = "object") -> Path:
    """Compile one C source into a position-independent object at `target` (atomically), to be
    linked into shared libraries later (compiled once, linked many times)."""
    return _compile(["-c", "-fPIC"], [source], target, flags, what)


def _compile(mode: list[str], sources: list[Path], target: Path, flags: list[str] | None, what: str) -> Path:
    """Run the first host compiler that succeeds; one line naming the first failure otherwise."""
    target.parent.mkdir(parents=True, exist_ok=True)
    errors = []
    for compiler in host_compilers():
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            out = Path(tmp) / target.name
            cmd = [*compiler, "-O2", *mode, *(flags or []), "-o", str(out)]
            cmd += [str(s) for s in sources]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode == 0 and out.is_file():
                os.replace(out, target)
                return target
            lines = [
                ln for ln in proc.stderr.splitlines() if "error" in ln.lower()
            ] or proc.stderr.splitlines()
            errors.append(f"{' '.join(compiler[-2:])}: {lines[0].strip() if lines else '?'}")
    if not errors:
        raise ToolchainError(
            f"cannot build the {what}: no host C compiler (install gcc, e.g. 'apt-get install gcc', "
            "or 'pip install ziglang')"
        )
    raise ToolchainError(f"cannot build the {what}: {errors[0]}")


def cached_shared_library(source: Path, what: str) -> Path:
    """The shared library built from one C source, compiled once per source version and host
    platform into simtiny's cache (again if the entry is damaged)."""
    import hashlib

    from simtiny.cache import cache_dir, new_entry, reuse

    digest = hashlib.sha256(source.read_bytes() + sys.platform.encode()).hexdigest()[:16]
    name = f"{source.stem}.so"
    entry = cache_dir() / "native" / f"{source.stem}-{digest}"
    if not reuse(entry, f"the {what}", expect=(name,)):
        with new_entry(entry) as scratch:
            compile_shared([source], scratch / name, what=what)
    return entry / name
