"""The build stage: toolchains (arm-none-eabi-gcc, or zig's clang from PyPI as a fallback) and
firmware builds, a model's or any C program's, for a board.

Builds are cached by a hash of everything that goes into them (sources, headers, linker
script, flags, compiler version), so the same firmware is never compiled twice. Each build is
a cache entry (simtiny.cache): published whole, and checked against its manifest on reuse.
"""

from __future__ import annotations

import hashlib
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from simtiny.cache import cache_dir, keep_file, new_entry, reuse, writing
from simtiny.errors import ToolchainError
from simtiny.platform import Platform

if TYPE_CHECKING:
    from simtiny.elf.image import ElfImage
    from simtiny.elf.size import SizeReport
    from simtiny.flow.codegen import GeneratedModel
    from simtiny.flow.plan import MemoryPlan
    from simtiny.model import Graph
from simtiny.resources import HAL_INCLUDE_DIR, KERNELS_DIR, RUNTIME_DIR

TOOLCHAINS = ("gcc", "zig")
RECIPE_VERSION = "3"  # bump when the way firmware is compiled or linked changes
# GNU ld: "undefined reference to `name'"; LLD: "undefined symbol: name"
UNDEFINED = re.compile(r"undefined (?:reference to [`']([^'`]+)'|symbol: (\S+))")

INSTALL_HINT = (
    "install one: 'apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi' (gcc) "
    "or 'pip install ziglang' (zig)"
)

# Flags every firmware is built with, whatever the compiler.
COMMON_FLAGS = (
    "-std=c99",
    "-ffreestanding",
    "-ffunction-sections",
    "-fdata-sections",
    "-ffp-contract=off",  # the same roundings as the reference: no silent fused multiply-add
    "-fno-math-errno",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-g",
)


@dataclass(frozen=True)
class Toolchain:
    """A cross compiler that can build Cortex-M7 firmware."""

    name: str  # "gcc" or "zig"
    cc: tuple[str, ...]
    version: str

    def target_flags(self, platform: Platform) -> list[str]:
        if self.name == "gcc":
            return [*platform.gcc_cpu_flags, "-fno-tree-loop-distribute-patterns"]
        return list(platform.zig_target_flags)

    def link_flags(self, map_path: Path) -> list[str]:
        common = ["-nostdlib", "-Wl,--gc-sections", "-Wl,--entry=Reset_Handler"]
        if self.name == "gcc":
            return [*common, f"-Wl,-Map={map_path}"]
        return [*common, "-Wl,--print-map"]  # LLD via zig: the map comes on stdout

    def libraries(self) -> list[str]:
        """The compiler's run-time library, for what the core has no instruction for (64-bit
        division; double-precision arithmetic on a single-precision FPU): libgcc, or zig's
        compiler-rt (built by zig for the target on first use); only what is called is linked."""
        return ["-lgcc"] if self.name == "gcc" else ["-rtlib=compiler-rt"]


@dataclass(frozen=True)
class FirmwareSpec:
    """What to build: the program's own sources on top of the platform runtime."""

    name: str
    sources: tuple[Path, ...]
    include_dirs: tuple[Path, ...] = ()
    defines: tuple[str, ...] = ()
    optimize: str = "-O2"
    extra_flags: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Firmware:
    """A built ELF with its linker map."""

    elf: Path
    map: Path | None
    toolchain: str
    cached: bool
    command: tuple[str, ...]


@cache
def _gcc() -> Toolchain | None:
    gcc = shutil.which("arm-none-eabi-gcc")
    if not gcc:
        return None
    version = _version([gcc, "--version"])
    return Toolchain("gcc", (gcc,), version) if version else None


@cache
def _zig() -> Toolchain | None:
    try:
        import ziglang  # noqa: F401
    except ImportError:
        return None
    version = _version([sys.executable, "-m", "ziglang", "version"])
    return Toolchain("zig", (sys.executable, "-m", "ziglang", "cc"), version) if version else None


def _version(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = proc.stdout.strip().splitlines()
    return lines[0] if proc.returncode == 0 and lines else ""


def available_toolchains() -> list[str]:
    return [t.name for t in (_gcc(), _zig()) if t is not None]


def find_toolchain(choice: str | None = None) -> Toolchain:
    """The toolchain asked for, or the first available of gcc, zig."""
    if choice not in (None, *TOOLCHAINS):
        raise ToolchainError(f"unknown toolchain '{choice}' (choose gcc or zig)")
    if choice in (None, "gcc"):
        gcc = _gcc()
        if gcc:
            return gcc
        if choice == "gcc":
            raise ToolchainError(
                "arm-none-eabi-gcc not found: 'apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi'"
            )
    zig = _zig()
    if zig:
        return zig
    if choice == "zig":
        raise ToolchainError("zig not found: 'pip install ziglang'")
    raise ToolchainError(f"no Cortex-M compiler found: {INSTALL_HINT}")


def runtime_sources(platform: Platform) -> list[Path]:
    """Start-up code, HAL (both from the board's folder) and the minimal C library every
    firmware for `platform` links."""
    return [platform.startup, *platform.hal_sources, RUNTIME_DIR / "libc_min.c"]


def runtime_include_dirs(platform: Platform) -> list[Path]:
    return [HAL_INCLUDE_DIR, RUNTIME_DIR, *platform.include_dirs]


def build(spec: FirmwareSpec, platform: Platform, toolchain: Toolchain) -> Firmware:
    """Compile and link `spec` for `platform`; reuse a cached build when nothing changed (and
    the cached ELF and map still match their manifest: a damaged build is rebuilt)."""
    sources = [*runtime_sources(platform), *spec.sources]
    includes = [*runtime_include_dirs(platform), *spec.include_dirs]
    flags = [
        *toolchain.target_flags(platform),
        *COMMON_FLAGS,
        spec.optimize,
        *[f"-D{d}" for d in (*platform.defines, *spec.defines)],
        *spec.extra_flags,
        *[f"-I{d}" for d in includes],
    ]
    memory = platform.memory_script()
    key = _build_key(toolchain, [*flags, memory], sources, includes, platform.linker_script)
    entry = cache_dir() / "builds" / f"{spec.name}-{toolchain.name}-{key}"
    elf = entry / f"{spec.name}.elf"
    map_path = entry / f"{spec.name}.map"
    if reuse(entry, f"the build of {spec.name} ({toolchain.name})", expect=(elf.name, map_path.name)):
        return Firmware(elf, map_path, toolchain.name, True, ())
    with new_entry(entry) as scratch:
        work = scratch / "work"  # objects and the linker script: dropped when the entry is published
        with writing():
            work.mkdir()
            script = work / "link.ld"
            script.write_text(platform.linker_script.read_text().replace("INCLUDE memory.ld", memory))
        objects = []
        for source, obj_name in zip(sources, _object_names(sources), strict=True):
            obj = work / obj_name
            _run(toolchain, spec.name, [*toolchain.cc, *flags, "-c", "-o", str(obj), str(source)])
            objects.append(obj)
        cmd = [
            *toolchain.cc,
            *toolchain.target_flags(platform),
            "-T",
            str(script),
            *toolchain.link_flags(scratch / map_path.name),
            "-o",
            str(scratch / elf.name),
            *[str(o) for o in objects],
            *toolchain.libraries(),
        ]
        stdout = _run(toolchain, spec.name, cmd)
        if toolchain.name == "zig":
            with writing():
                (scratch / map_path.name).write_text(stdout)
    return Firmware(elf, map_path, toolchain.name, False, tuple(cmd))


def _object_names(sources: list[Path]) -> list[str]:
    """Object file names for the map: the source's stem, made unique where stems repeat."""
    names: list[str] = []
    for source in sources:
        stem = Path(source).stem
        name = f"{stem}.o"
        n = 2
        while name in names:
            name = f"{stem}_{n}.o"
            n += 1
        names.append(name)
    return names


def _run(toolchain: Toolchain, what: str, cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired as exc:
        raise ToolchainError(f"{toolchain.name}: building {what} took over 15 minutes") from exc
    if proc.returncode != 0:
        raise ToolchainError(
            f"{toolchain.name} failed to build {what}: {_first_error(proc.stderr)}",
            details=f"$ {shlex.join(cmd)}\n{proc.stderr.rstrip()}",
        )
    return proc.stdout


def _build_key(
    toolchain: Toolchain, flags: list[str], sources: list[Path], includes: list[Path], script: Path
) -> str:
    h = hashlib.sha256()
    h.update(f"{RECIPE_VERSION}\0{toolchain.name}\0{toolchain.version}\0".encode())
    h.update("\0".join(flags).encode())
    files = [*sources, script]
    for d in includes:  # headers, and sources a source may include (a kernel's *_shifts.c twin)
        files.extend(sorted([*Path(d).glob("*.h"), *Path(d).glob("*.c")]))
    for path in files:
        h.update(str(path.name).encode() + b"\0")
        h.update(Path(path).read_bytes())
    return h.hexdigest()[:20]


def _first_error(stderr: str) -> str:
    """The line that says what went wrong: the undefined symbols when the link failed on them
    (the linker's own 'error: ld returned 1' says nothing), else the first error line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    undefined = sorted({m.group(1) or m.group(2) for line in lines if (m := UNDEFINED.search(line))})
    if undefined:
        shown = ", ".join(undefined[:8]) + (f" and {len(undefined) - 8} more" if len(undefined) > 8 else "")
        return f"undefined symbols: {shown} (--verbose shows the linker's messages)"
    for line in lines:
        if "error" in line.lower():
            return line
    return lines[0] if lines else "no output from the compiler"


@dataclass
class CompiledModel:
    """A model built into firmware for a board: the build stage's value."""

    graph: Graph
    plan: MemoryPlan
    generated: GeneratedModel
    firmware: Firmware
    image: ElfImage
    platform: Platform  # what the firmware was linked and is simulated for (budgets lifted)
    board: Platform  # the real board, whose budgets the verdict uses
    size: SizeReport
    build_seconds: float

    @property
    def arena_address(self) -> int:
        return self.image.symbol("st_arena")


def build_model(generated: GeneratedModel, platform: Platform, toolchain: Toolchain) -> Firmware:
    """The generated model.c (kept in the cache by content), the kernels it calls and the model
    runtime, built for `platform`; the arena in the board's zero-wait TCM where it fits there
    (Platform.arena_in_tcm)."""
    text = generated.source.encode()
    digest = hashlib.sha256(text).hexdigest()[:20]
    source = keep_file(cache_dir() / "generated" / digest / "model.c", text, "the generated source")
    spec = FirmwareSpec(
        name="model",
        sources=(source, *[KERNELS_DIR / f"{k}.c" for k in generated.kernels], RUNTIME_DIR / "st_main.c"),
        include_dirs=(KERNELS_DIR, RUNTIME_DIR),
        defines=("ST_ARENA_TCM=1",) if platform.arena_in_tcm(generated.arena_size) else (),
    )
    return build(spec, platform, toolchain)
