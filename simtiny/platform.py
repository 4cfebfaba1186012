"""Boards as data: a `platform.toml` (with the family file it extends and the CPU it names) read
into plain dataclasses.

A board is a folder: `platform.toml`, its linker script, start-up code and HAL C. The folder may
lie inside simtiny (`platforms/<name>/`, chosen by name) or anywhere else (chosen by path). A
board file may `extend` a family file (`platforms/stm32h7/family.toml`): tables merge key by key,
and `[[region]]`, `[[peripheral]]` and `[[peripheral_window]]` entries merge by name, the
board's winning. The CPU (`cpus/<name>.toml`) brings the core's compiler flags, identification
registers, FPU variants, private peripherals and the name of its timing model.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from simtiny.errors import PlatformError
from simtiny.resources import CPUS_DIR, PLATFORMS_DIR

BOARD_FILE = "platform.toml"
CPU_FILE = "cpu.toml"
# Keys whose values are paths, resolved against the folder of the file that sets them.
PATH_KEYS = ("linker_script", "startup")
PATH_LIST_KEYS = ("hal", "include")
NAMED_LISTS = ("region", "peripheral", "peripheral_window")
MAX_EXTENDS = 8


@dataclass(frozen=True)
class Region:
    """One memory region of the board's map."""

    name: str
    base: int
    size: int
    access: str  # subset of "rwx"
    kind: str  # flash, sram, sram_d2, sram_d3, tcm, rom
    link: str = ""  # the linker's name for it; contiguous regions with one name link as one

    @property
    def end(self) -> int:
        return self.base + self.size

    @property
    def link_name(self) -> str:
        return self.link or self.name

    def contains(self, address: int, length: int = 1) -> bool:
        return self.base <= address and address + length <= self.end


@dataclass(frozen=True)
class Peripheral:
    """A register model placed at an address range; `kind` names its model."""

    name: str
    kind: str
    base: int
    size: int


@dataclass(frozen=True)
class Window:
    """An address range routed to the peripheral models."""

    name: str
    base: int
    size: int


@dataclass(frozen=True)
class MemoryTiming:
    """Extra cycles of one region kind: a cache line fill, and an uncached access."""

    line_fill: int
    uncached: int


@dataclass(frozen=True)
class Caches:
    line_bytes: int = 32
    icache_bytes: int = 16384
    icache_ways: int = 2
    dcache_bytes: int = 16384
    dcache_ways: int = 4
    present: bool = True  # False: the core reports no caches (CCSIDR reads 0), as QEMU's M7 does


@dataclass(frozen=True)
class Cpu:
    """The core: what the compilers, the emulator and the timing model need to know of it."""

    name: str  # "cortex-m7": selects the emulator's CPU model and the timing model
    architecture: str
    timing_model: str
    fpu: str
    double_precision: bool  # FPv5-D16 executes double-precision instructions; FPv5-SP-D16 faults
    gcc_flags: tuple[str, ...]
    zig_flags: tuple[str, ...]
    id_registers: dict[str, int] = field(default_factory=dict)  # CPUID, CLIDR, CTR, MVFR0..2
    startup: Path | None = None  # the core's start-up code (vector table, reset handler)
    hal_sources: tuple[Path, ...] = ()  # the core's part of the HAL (caches, cycle counter, semihosting)


@dataclass(frozen=True)
class RenodeTarget:
    """The board's part as Renode describes it: its platform file (in Renode's own tree) and
    the name of the console UART there ([renode] in platform.toml)."""

    platform: str  # e.g. "platforms/cpus/stm32h743.repl"
    console: str  # e.g. "usart3"
    # registers Renode's model leaves at zero that the board's start-up polls: (address, bytes,
    # name, value), written as `sysbus Tag` lines
    tags: tuple[tuple[int, int, str, int], ...] = ()


@dataclass(frozen=True)
class Platform:
    """Everything simtiny knows about one board."""

    name: str
    description: str
    cpu: Cpu
    clock_hz: int
    boot_address: int
    console: str
    directory: Path
    linker_script: Path
    startup: Path
    hal_sources: tuple[Path, ...]
    include_dirs: tuple[Path, ...]
    defines: tuple[str, ...]  # for every source built for the board (SIMTINY_IRQ_LINES=150)
    flash_budget: int
    sram_budget: int
    regions: tuple[Region, ...]
    windows: tuple[Window, ...]
    peripherals: tuple[Peripheral, ...] = field(default_factory=tuple)
    caches: Caches = field(default_factory=Caches)
    memory_timing: dict[str, MemoryTiming] = field(default_factory=dict)
    files: tuple[Path, ...] = ()  # the TOML files this description was read from, board first
    real_regions: tuple[Region, ...] = ()  # before lifted() grew them (empty: `regions` are real)
    renode: RenodeTarget | None = None  # the same part in Renode, for `simtiny renode`
    qemu_machine: str | None = None  # QEMU's machine for this board (`-M`), for the qemu engine
    arena_tcm: str | None = None  # a zero-wait TCM region the tensor arena goes to where it fits
    arena_tcm_reserve: int = 0  # bytes of that region kept for the stack and everything else there

    @property
    def gcc_cpu_flags(self) -> tuple[str, ...]:
        return self.cpu.gcc_flags

    @property
    def zig_target_flags(self) -> tuple[str, ...]:
        return self.cpu.zig_flags

    def with_budgets(self, sram: int | None = None, flash: int | None = None) -> Platform:
        """The same board held to other budgets (the user's --sram-budget / --flash-budget)."""
        return replace(
            self,
            sram_budget=self.sram_budget if sram is None else sram,
            flash_budget=self.flash_budget if flash is None else flash,
        )

    def arena_tcm_bytes(self) -> int | None:
        """The largest arena that goes to the board's arena TCM (arena_in_tcm), or None where the
        board has none."""
        region = next((r for r in self.regions if r.name == self.arena_tcm), None)
        return None if region is None else max(region.size - self.arena_tcm_reserve, 0)

    def arena_in_tcm(self, arena_bytes: int) -> bool:
        """Whether an arena of this size goes to the board's arena TCM (linked in section
        .tcm_noinit): it fits there with arena_tcm_reserve bytes to spare."""
        tcm = self.arena_tcm_bytes()
        return tcm is not None and arena_bytes <= tcm

    def link_regions(self, real: bool = False) -> list[tuple[str, str, int, int]]:
        """(name, access, origin, length) of the linker's MEMORY regions: regions that share a
        `link` name and follow each other form one (a board whose SRAMs are contiguous)."""
        out: list[tuple[str, str, int, int]] = []
        for r in self.real_regions or self.regions if real else self.regions:
            if r.kind == "rom":
                continue
            if out and out[-1][0] == r.link_name and out[-1][2] + out[-1][3] == r.base:
                name, access, base, size = out[-1]
                out[-1] = (name, access, base, size + r.size)
            else:
                out.append((r.link_name, r.access, r.base, r.size))
        return out

    def memory_script(self) -> str:
        """The linker's MEMORY block for this board (included by its linker script), and the end
        of each region on the real board (`__simtiny_RAM_end`), which lifting does not move."""
        lines = ["MEMORY", "{"]
        for name, access, base, size in self.link_regions():
            lines.append(f"  {name:<9} ({access}) : ORIGIN = 0x{base:08X}, LENGTH = 0x{size:X}")
        lines.append("}")
        real = self.link_regions(real=True)
        lines += [f"__simtiny_{name}_end = 0x{base + size:08X};" for name, _, base, size in real]
        return "\n".join(lines) + "\n"

    def lifted(self, size: int = 64 * 1024 * 1024) -> Platform:
        """The same board with flash and the budgeted SRAM grown to `size` bytes each, so that a
        model that does not fit can still be linked, measured and simulated. Addresses stay the
        same; the budgets stay the real ones. Of regions linked as one, the last grows."""
        last_of_link = {r.link_name: r.name for r in self.regions}
        grown = []
        for r in self.regions:
            if r.kind in ("flash", "sram") and last_of_link[r.link_name] == r.name:
                first = min(q.base for q in self.regions if q.link_name == r.link_name)
                r = replace(r, size=max(r.size, first + size - r.base))
            grown.append(r)
        for a in grown:
            for b in grown:
                if a is not b and a.base < b.end and b.base < a.end:
                    raise PlatformError(f"cannot lift {self.name}: {a.name} would overlap {b.name}")
        return replace(self, regions=tuple(grown), real_regions=self.real_regions or self.regions)

    def region_at(self, address: int) -> Region | None:
        for region in self.regions:
            if region.contains(address):
                return region
        return None

    def regions_of_kind(self, kind: str) -> list[Region]:
        return [r for r in self.regions if r.kind == kind]


def available_platforms() -> list[str]:
    return sorted(p.parent.name for p in PLATFORMS_DIR.glob(f"*/{BOARD_FILE}"))


def load_platform(name_or_path: str | Path | Platform = "stm32h743") -> Platform:
    """A board by name (a folder of simtiny's platforms/) or by path (its folder, or its TOML)."""
    if isinstance(name_or_path, Platform):
        return name_or_path
    path = _board_file(name_or_path)
    try:
        data, files = _read_with_parents(path)
        return _from_data(data, files)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        what = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise PlatformError(f"{path}: malformed platform description: {what}") from exc


def _board_file(name_or_path: str | Path) -> Path:
    text = str(name_or_path)
    path = Path(name_or_path)
    looks_like_path = path.suffix == ".toml" or "/" in text or path.is_dir()
    if looks_like_path:
        if path.is_dir():
            path = path / BOARD_FILE
        if not path.is_file():
            raise PlatformError(f"no platform description at {path}")
        return path
    path = PLATFORMS_DIR / text / BOARD_FILE
    if not path.is_file():
        known = ", ".join(available_platforms()) or "none"
        raise PlatformError(f"unknown platform '{text}' (known: {known}; or give the path of a board folder)")
    return path


def _read_toml(path: Path) -> dict[str, Any]:
    data = tomllib.loads(path.read_text())
    _resolve_paths(data.get("platform", {}), path.parent)
    return data


def _resolve_paths(table: dict[str, Any], folder: Path) -> None:
    for key in PATH_KEYS:
        if key in table:
            table[key] = (folder / str(table[key])).resolve()
    for key in PATH_LIST_KEYS:
        if key in table:
            table[key] = [(folder / str(p)).resolve() for p in _as_list(table[key], key)]


def _as_list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"'{key}' must be a list")
    return value


def _read_with_parents(path: Path) -> tuple[dict[str, Any], list[Path]]:
    """The board's data merged over its family files' (`extends`), and the files read."""
    chain: list[tuple[Path, dict[str, Any]]] = []
    current: Path | None = path.resolve()
    while current is not None:
        if any(current == p for p, _ in chain):
            raise ValueError(f"'extends' loops back to {current}")
        if len(chain) >= MAX_EXTENDS:
            raise ValueError(f"more than {MAX_EXTENDS} files extend one another")
        if not current.is_file():
            raise ValueError(f"extends {current}, which does not exist")
        data = _read_toml(current)
        chain.append((current, data))
        parent = data.pop("extends", None)
        current = _parent_file(str(parent), current.parent) if parent is not None else None
    merged: dict[str, Any] = {}
    for _, data in reversed(chain):
        merged = _merge(merged, data)
    return merged, [p for p, _ in chain]


def _parent_file(extends: str, folder: Path) -> Path:
    """`extends` is a path relative to the extending file, or the name of one of simtiny's
    family folders (platforms/<name>/family.toml)."""
    if "/" in extends or extends.endswith(".toml"):
        return (folder / extends).resolve()
    return PLATFORMS_DIR / extends / "family.toml"


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if key in NAMED_LISTS:
            out[key] = _merge_named(out.get(key, []), _as_list(value, key), key)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _merge_named(base: list[dict[str, Any]], over: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    out = list(base)
    for entry in over:
        name = entry.get("name")
        if name is None:
            raise ValueError(f"a [[{key}]] entry has no name")
        kept = [i for i, e in enumerate(out) if e.get("name") == name]
        if kept:
            out[kept[0]] = entry
        else:
            out.append(entry)
    return out


def load_cpu(name: str, fpu: str | None, overrides: dict[str, Any] | None = None) -> tuple[Cpu, dict[str, Any]]:
    """The CPU description `cpus/<name>.toml` with the board's FPU choice; also its data, whose
    private peripherals and windows join the board's."""
    path = CPUS_DIR / name / CPU_FILE
    if not path.is_file():
        known = ", ".join(sorted(p.parent.name for p in CPUS_DIR.glob(f"*/{CPU_FILE}"))) or "none"
        raise ValueError(f"unknown cpu '{name}' (known: {known})")
    data = tomllib.loads(path.read_text())
    core = data["cpu"]
    _resolve_paths(core, path.parent)
    fpus = data.get("fpu", {})
    fpu_name = fpu or core["default_fpu"]
    if fpu_name not in fpus:
        raise ValueError(f"cpu {name} has no FPU '{fpu_name}' (known: {', '.join(sorted(fpus))})")
    chosen = fpus[fpu_name]
    ids = {k: int(v) for k, v in core.get("id_registers", {}).items()}
    ids.update({k: int(v) for k, v in chosen.get("id_registers", {}).items()})
    ids.update({k: int(v) for k, v in (overrides or {}).items()})
    zig_cpu = core["zig_cpu"] + chosen.get("zig_features", "")
    cpu = Cpu(
        name=core["name"],
        architecture=core["architecture"],
        timing_model=core["timing_model"],
        fpu=fpu_name,
        double_precision=bool(chosen["double_precision"]),
        gcc_flags=(*core["gcc"], *chosen["gcc"]),
        zig_flags=("-target", core["zig_target"], f"-mcpu={zig_cpu}"),
        id_registers=ids,
        startup=core.get("startup"),
        hal_sources=tuple(_c_sources(core.get("hal", []))),
    )
    return cpu, data


def _from_data(data: dict[str, Any], files: list[Path]) -> Platform:
    p = data["platform"]
    cpu, cpu_data = load_cpu(p["cpu"], p.get("fpu"), data.get("id_registers"))
    data = _merge({k: v for k, v in cpu_data.items() if k in NAMED_LISTS}, data)
    regions = tuple(
        sorted(
            (Region(r["name"], int(r["base"]), int(r["size"]), r["access"], r["kind"], r.get("link", ""))
             for r in data["region"]),
            key=lambda r: r.base,
        )
    )
    for region in regions:
        if not set(region.access) <= set("rwx"):
            raise ValueError(f"region {region.name}: access must be letters of 'rwx'")
    windows = tuple(
        Window(w["name"], int(w["base"]), int(w["size"])) for w in data.get("peripheral_window", [])
    )
    peripherals = tuple(
        Peripheral(q["name"], q["kind"], int(q["base"]), int(q["size"])) for q in data.get("peripheral", [])
    )
    _check_peripherals(peripherals, p["console"])
    directory = files[0].parent
    startup = p.get("startup") or cpu.startup
    if startup is None:
        raise ValueError(f"no start-up code: neither the board nor cpu {cpu.name} names one")
    return Platform(
        name=p["name"],
        description=p.get("description", ""),
        cpu=cpu,
        clock_hz=int(p["clock_hz"]),
        boot_address=int(p.get("boot_address", 0)),
        console=p["console"],
        directory=directory,
        linker_script=p["linker_script"],
        startup=startup,
        hal_sources=_hal(cpu.hal_sources, _c_sources(p.get("hal", []))),
        include_dirs=tuple(p.get("include", [])),
        defines=(f"SIMTINY_IRQ_LINES={int(p['irq_lines'])}",),
        flash_budget=int(data["budgets"]["flash"]),
        sram_budget=int(data["budgets"]["sram"]),
        regions=regions,
        windows=windows,
        peripherals=peripherals,
        caches=Caches(**data.get("caches", {})),
        memory_timing={
            kind: MemoryTiming(int(t["line_fill"]), int(t["uncached"]))
            for kind, t in data.get("memory_timing", {}).items()
        },
        files=tuple(files),
        renode=_renode(data.get("renode")),
        qemu_machine=data["qemu"]["machine"] if "qemu" in data else None,
        arena_tcm=p.get("arena_tcm"),
        arena_tcm_reserve=int(p.get("arena_tcm_reserve", 0)),
    )


def _renode(table: dict[str, Any] | None) -> RenodeTarget | None:
    if table is None:
        return None
    tags = tuple((int(t["address"]), int(t["size"]), str(t["name"]), int(t["value"])) for t in table.get("tag", []))
    for _, _, name, _ in tags:
        if not name.replace("_", "").isalnum():
            raise ValueError(f"renode tag '{name}': letters, digits and _ only")
    return RenodeTarget(str(table["platform"]), str(table["console"]), tags)


def _hal(core: tuple[Path, ...], board: list[Path]) -> tuple[Path, ...]:
    """The core's HAL files and the board's, in file-name order (the link order); a board file
    replaces the core's file of the same name."""
    by_name = {p.name: p for p in core}
    by_name.update({p.name: p for p in board})
    return tuple(by_name[name] for name in sorted(by_name))


def _c_sources(entries: list[Path]) -> list[Path]:
    """The HAL's C files: each entry a .c file, or a folder whose .c files all count."""
    out: list[Path] = []
    for entry in entries:
        if entry.is_dir():
            out.extend(sorted(entry.glob("*.c")))
        elif entry.is_file():
            out.append(entry)
        else:
            raise ValueError(f"hal: {entry} does not exist")
    return out


def _check_peripherals(peripherals: tuple[Peripheral, ...], console: str) -> None:
    from simtiny.sim.peripherals import known_kinds

    kinds = known_kinds()
    for q in peripherals:
        if q.kind not in kinds:
            raise ValueError(f"peripheral {q.name}: unknown kind '{q.kind}' (known: {', '.join(sorted(kinds))})")
    if console and console.lower() not in {q.name.lower() for q in peripherals}:
        raise ValueError(f"console '{console}' is not one of the board's peripherals")
