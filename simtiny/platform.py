"""Board descriptions: `platforms/<name>/platform.toml` read into plain dataclasses."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from simtiny.errors import PlatformError

PLATFORMS_DIR = Path(__file__).resolve().parent.parent / "platforms"


@dataclass(frozen=True)
class Region:
    """One memory region of the board's map."""

    name: str
    base: int
    size: int
    access: str  # subset of "rwx"
    kind: str  # flash, sram, sram_d2, sram_d3, tcm, rom

    @property
    def end(self) -> int:
        return self.base + self.size

    def contains(self, address: int, length: int = 1) -> bool:
        return self.base <= address and address + length <= self.end


@dataclass(frozen=True)
class Peripheral:
    """A register model placed at an address range."""

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


@dataclass(frozen=True)
class Platform:
    """Everything simtiny knows about one board."""

    name: str
    description: str
    cpu: str
    clock_hz: int
    boot_address: int
    console: str
    directory: Path
    linker_script: Path
    startup: Path
    gcc_cpu_flags: tuple[str, ...]
    zig_target_flags: tuple[str, ...]
    flash_budget: int
    sram_budget: int
    regions: tuple[Region, ...]
    windows: tuple[Window, ...]
    peripherals: tuple[Peripheral, ...] = field(default_factory=tuple)
    caches: Caches = field(default_factory=Caches)
    memory_timing: dict[str, MemoryTiming] = field(default_factory=dict)

    def memory_script(self) -> str:
        """The linker's MEMORY block for this board (included by its linker script)."""
        lines = ["MEMORY", "{"]
        for r in self.regions:
            if r.kind != "rom":
                lines.append(f"  {r.name:<9} ({r.access}) : ORIGIN = 0x{r.base:08X}, LENGTH = 0x{r.size:X}")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def lifted(self, size: int = 64 * 1024 * 1024) -> Platform:
        """The same board with flash and the budgeted SRAM grown to `size` bytes each, so that a
        model that does not fit can still be linked, measured and simulated. Addresses stay the
        same; the budgets stay the real ones."""
        grown = tuple(
            replace(r, size=max(r.size, size)) if r.kind in ("flash", "sram") else r
            for r in self.regions
        )
        for a in grown:
            for b in grown:
                if a is not b and a.base < b.end and b.base < a.end:
                    raise PlatformError(f"cannot lift {self.name}: {a.name} would overlap {b.name}")
        return replace(self, regions=grown)

    def region_at(self, address: int) -> Region | None:
        for region in self.regions:
            if region.contains(address):
                return region
        return None

    def regions_of_kind(self, kind: str) -> list[Region]:
        return [r for r in self.regions if r.kind == kind]


def available_platforms() -> list[str]:
    return sorted(p.parent.name for p in PLATFORMS_DIR.glob("*/platform.toml"))


def load_platform(name_or_path: str | Path = "stm32h743") -> Platform:
    """Load a platform by name (a folder under platforms/) or by the path of its TOML file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = PLATFORMS_DIR / str(name_or_path) / "platform.toml"
    if not path.is_file():
        known = ", ".join(available_platforms()) or "none"
        raise PlatformError(f"unknown platform '{name_or_path}' (known: {known})")
    try:
        data = tomllib.loads(path.read_text())
        return _from_toml(data, path.parent)
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise PlatformError(f"{path}: malformed platform description: {exc}") from exc


def _from_toml(data: dict, directory: Path) -> Platform:
    p = data["platform"]
    compile_flags = p.get("compile", {})
    regions = tuple(
        Region(r["name"], int(r["base"]), int(r["size"]), r["access"], r["kind"]) for r in data["region"]
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
    return Platform(
        name=p["name"],
        description=p.get("description", ""),
        cpu=p["cpu"],
        clock_hz=int(p["clock_hz"]),
        boot_address=int(p.get("boot_address", 0)),
        console=p["console"],
        directory=directory,
        linker_script=directory / p["linker_script"],
        startup=directory / p["startup"],
        gcc_cpu_flags=tuple(compile_flags.get("gcc_cpu", [])),
        zig_target_flags=tuple(compile_flags.get("zig_target", [])),
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
    )
