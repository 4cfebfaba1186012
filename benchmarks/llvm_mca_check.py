"""Cross-check simtiny's Cortex-M7 block prices against llvm-mca on simtiny's own firmware.

Builds benchmarks/firmware/cycles_bench.c (the calibration loops) and the firmware of a real model,
runs both on the simulator with ideal memory and profiling, and prices every executed basic block
with simtiny's pipeline model (m7model) and with llvm-mca (simtiny.mca). Prints the hot blocks,
a summary weighted by executions and the causes of the gaps; the calibration loops, which have
silicon figures, show which model each kind of gap favours. docs/llvm-mca-crosscheck.md is made with:

    python benchmarks/llvm_mca_check.py --markdown docs/llvm-mca-crosscheck.md
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import capstone
import mca
import numpy as np
from cyclecal import BENCHMARKS, build_firmware

from simtiny.elf.image import ElfImage, load_elf
from simtiny.errors import SimtinyError
from simtiny.flow.build import find_toolchain
from simtiny.flow.inputs import random_inputs
from simtiny.flow.run import compile_model
from simtiny.flow.validate import load_and_check
from simtiny.platform import Platform, load_platform
from simtiny.resources import PAPER_MODELS_DIR
from simtiny.sim import get_engine
from simtiny.sim.result import RunRequest

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = PAPER_MODELS_DIR / "mbv2-w0.3-r64.tflite"
COMMAND = "python benchmarks/llvm_mca_check.py --markdown docs/llvm-mca-crosscheck.md"
ITERATIONS = 100


@dataclass(frozen=True)
class Row:
    """One executed block of one firmware, priced by both models."""

    firmware: str
    function: str
    count: int
    comparison: mca.Comparison

    @property
    def weight(self) -> int:
        """simtiny's cycles for all executions of the block."""
        return self.count * self.comparison.simtiny


@dataclass(frozen=True)
class Loop:
    """A calibration loop body with its silicon figure."""

    name: str
    published: float | None
    comparison: mca.Comparison | None  # None: the body is not straight-line
    note: str = ""


def read_code(image: ElfImage, address: int, size: int) -> bytes:
    for seg in image.segments:
        if seg.vaddr <= address and address + size <= seg.vaddr + seg.filesz:
            return seg.data[address - seg.vaddr : address - seg.vaddr + size]
    raise ValueError(f"0x{address:08X}: not in a loadable segment")


def profile_blocks(name: str, elf: Path, platform: Platform, writes: dict[int, bytes] | None = None) -> list[Row]:
    """Run the ELF (ideal memory, profile) and compare every executed block."""
    request = RunRequest(elf, platform, writes=writes or {}, profile=True, memory_model=False)
    result = get_engine("unicorn").run(request)
    if result.status != "exit" or result.exit_code != 0:
        what = result.fault.describe() if result.fault else result.status
        raise SystemExit(f"{name}: the firmware did not exit cleanly: {what}")
    image = load_elf(elf)
    blocks = sorted(result.blocks, key=lambda b: -b.count * b.cycles)
    comparisons = mca.compare_blocks([(read_code(image, b.address, b.size), b.address) for b in blocks], ITERATIONS)
    rows = []
    for block, comparison in zip(blocks, comparisons, strict=True):
        hit = image.symbol_at(block.address)
        function = f"{hit[0]}+0x{hit[1]:x}" if hit and hit[1] else (hit[0] if hit else "?")
        rows.append(Row(name, function, block.count, comparison))
    return rows


def model_writes(compiled, seed: int = 0) -> dict[int, bytes]:
    """Seeded random inputs written into the arena, as pipeline.simulate does."""
    base = compiled.arena_address
    values = random_inputs(compiled.graph, seed)
    return {
        base + io.offset: np.ascontiguousarray(value).tobytes()
        for io, value in zip(compiled.generated.inputs, values, strict=True)
    }


def calibration_loops(elf: Path) -> list[Loop]:
    """Each calibration loop's body (loop head to its back edge) priced by both models."""
    image = load_elf(elf)
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = True
    functions = {s.name: s for s in image.symbols if s.type == "func"}
    out = []
    for bench in BENCHMARKS:
        fn = functions.get(bench.name) or functions.get(f"{bench.name}_throughput")
        if fn is None:
            out.append(Loop(bench.name, bench.published, None, "function not found"))
            continue
        code = read_code(image, fn.address, fn.size)
        insns = list(md.disasm(code, fn.address))
        back = [i for i in insns if i.insn_name() == "b" and i.operands and i.operands[0].imm < i.address]
        if not back:
            out.append(Loop(bench.name, bench.published, None, "no back edge"))
            continue
        edge = back[-1]
        head = edge.operands[0].imm
        body = [i for i in insns if head <= i.address <= edge.address]
        if any(i.insn_name() in ("b", "cbz", "cbnz") for i in body[:-1]):
            out.append(Loop(bench.name, bench.published, None, "branches inside the loop: not straight-line"))
            continue
        data = code[head - fn.address : edge.address + edge.size - fn.address]
        out.append(Loop(bench.name, bench.published, mca.compare_block(data, head, ITERATIONS)))
    return out


# ----- report ---------------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def _short_reason(c: mca.Comparison) -> str:
    if c.mca is None:
        return f"not priced: {c.reason}"
    if not c.reason:
        return ""
    if not c.causes:
        return c.reason
    return "; ".join(mca.CAUSES[k].text.split(":")[0] for k in c.causes)


def hot_table(rows: list[Row], top: int) -> list[str]:
    out = [
        "| firmware | block | function | executions | insns | simtiny | llvm-mca | ratio | reason |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in sorted(rows, key=lambda r: -r.weight)[:top]:
        c = r.comparison
        out.append(
            f"| {r.firmware} | 0x{c.address:08X} | {r.function} | {r.count:,} | {c.instructions} | {c.simtiny} "
            f"| {_f(c.mca)} | {_f(c.ratio)} | {_short_reason(c)} |"
        )
    return out


def summary(rows: list[Row]) -> list[str]:
    """Agreement and whole-run totals weighted by executions, per firmware."""
    out = []
    for firmware in dict.fromkeys(r.firmware for r in rows):
        mine = [r for r in rows if r.firmware == firmware]
        priced = [r for r in mine if r.comparison.mca is not None]
        unpriced = [r for r in mine if r.comparison.mca is None]
        agree = [r for r in priced if r.comparison.agrees]
        total = sum(r.weight for r in mine)
        weight = sum(r.weight for r in priced)
        sim = weight
        llvm = sum(r.count * (r.comparison.mca or 0.0) for r in priced)
        repeated = sum(r.count * (r.comparison.simtiny_repeated or 0.0) for r in priced)
        agree_repeated = [
            r
            for r in priced
            if abs((r.comparison.mca or 0) - (r.comparison.simtiny_repeated or 0))
            <= mca.TOLERANCE * (r.comparison.simtiny_repeated or 0)
        ]
        out += [
            f"**{firmware}**: {len(mine)} executed blocks, {total:,} simtiny block cycles "
            f"(ideal memory, branch penalties excluded).",
            "",
            f"- priced by llvm-mca: {len(priced)} blocks carrying {_pct(weight, total)} of those cycles; "
            f"not priced: {len(unpriced)} blocks ({_not_priced(unpriced, total)}).",
            f"- within {mca.TOLERANCE:.0%}: {len(agree)} of {len(priced)} blocks, "
            f"{_pct(sum(r.weight for r in agree), weight)} of the priced cycles.",
            f"- whole run, weighted by executions: simtiny {sim:,.0f} cycles, llvm-mca {llvm:,.0f} (x{llvm / sim:.3f})."
            if sim
            else "- nothing priced",
            f"- simtiny priced the way llvm-mca runs a block (branch and IT dropped, repeated back to back): "
            f"{repeated:,.0f} cycles (llvm-mca x{llvm / repeated:.3f}); within {mca.TOLERANCE:.0%} of it: "
            f"{len(agree_repeated)} of {len(priced)} blocks, {_pct(sum(r.weight for r in agree_repeated), weight)} "
            "of the priced cycles."
            if repeated
            else "",
            "",
        ]
    return out


def _not_priced(rows: list[Row], total: int) -> str:
    reasons: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        reasons[r.comparison.reason].append(r)
    parts = [f"{k}: {len(v)} blocks, {_pct(sum(r.weight for r in v), total)} of the cycles" for k, v in reasons.items()]
    return "; ".join(parts) or "none"


def by_cause(rows: list[Row]) -> list[str]:
    """Disagreeing cycles by the first cause named, with the silicon verdict of each cause."""
    stake: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        c = r.comparison
        if c.agrees is False:
            stake[c.causes[0] if c.causes else "unexplained"].append(r)
    out = [
        "| cause (first named) | blocks | simtiny cycles | llvm-mca cycles | silicon backs | example |",
        "|---|---:|---:|---:|---|---|",
    ]
    for key, mine in sorted(stake.items(), key=lambda kv: -sum(r.weight for r in kv[1])):
        cause = mca.CAUSES.get(key)
        example = max(mine, key=lambda r: r.weight)
        sim = sum(r.weight for r in mine)
        llvm = sum(r.count * (r.comparison.mca or 0.0) for r in mine)
        out.append(
            f"| {cause.text if cause else mca.UNEXPLAINED} | {len(mine)} | {sim:,} | {llvm:,.0f} "
            f"| {cause.silicon if cause else '-'} | {example.firmware} 0x{example.comparison.address:08X} |"
        )
    return out


def simtiny_suspects(rows: list[Row]) -> list[str]:
    """Causes where silicon backs llvm-mca (or neither model fully): where simtiny's model is
    likely off, with how much of the run they touch (every priced block, agreeing or not)."""
    out = [
        "| cause | silicon backs | blocks | executions | estimated cycles (llvm-mca minus simtiny, whole run) |",
        "|---|---|---:|---:|---:|",
    ]
    for cause in mca.CAUSES.values():
        if cause.silicon not in ("llvm-mca", "mixed", "unknown"):
            continue
        hits = [(r, p) for r in rows for p in r.comparison.contributions if p.key == cause.key]
        if not hits:
            continue
        executions = sum(r.count for r, _ in hits)
        cycles = sum(r.count * p.cycles for r, p in hits)
        out.append(f"| {cause.text} | {cause.silicon} | {len(hits)} | {executions:,} | {cycles:+,.0f} |")
    return out


def examples(rows: list[Row], limit: int = 6) -> list[str]:
    """The heaviest disagreeing block of each leading cause, with what llvm-mca was given."""
    seen: set[str] = set()
    out: list[str] = []
    for r in sorted(rows, key=lambda r: -r.weight):
        c = r.comparison
        if c.agrees is not False:
            continue
        key = c.causes[0] if c.causes else "unexplained"
        if key in seen:
            continue
        seen.add(key)
        parts = ", ".join(f"{p.key} {p.cycles:+.1f}" for p in c.contributions) or "none"
        out += [
            f"**{r.firmware} 0x{c.address:08X}** ({r.function}, {r.count:,} executions): simtiny {c.simtiny}, "
            f"simtiny repeated {_f(c.simtiny_repeated)}, llvm-mca {_f(c.mca)}. Estimated contributions "
            f"(llvm-mca minus simtiny): {parts}.",
            "",
            "```",
            c.assembly.rstrip(),
            "```",
            "",
        ]
        if c.rewrites:
            out += ["Rewritten for llvm-mca: " + "; ".join(c.rewrites) + ".", ""]
        if len(seen) == limit:
            break
    return out


def loops_table(loops: list[Loop]) -> list[str]:
    out = [
        "| loop | silicon | simtiny | llvm-mca | closer to silicon | llvm-mca vs simtiny |",
        "|---|---:|---:|---:|---|---|",
    ]
    for loop in loops:
        c = loop.comparison
        if c is None:
            out.append(f"| {loop.name} | {_f(loop.published, 1)} | - | - | - | {loop.note} |")
            continue
        closer = "-"
        if loop.published is not None and c.mca is not None:
            d_sim, d_mca = abs(c.simtiny - loop.published), abs(c.mca - loop.published)
            closer = "tie" if abs(d_sim - d_mca) < 0.5 else ("simtiny" if d_sim < d_mca else "llvm-mca")
        out.append(
            f"| {loop.name} | {_f(loop.published, 1)} | {c.simtiny} | {_f(c.mca)} | {closer} "
            f"| {_short_reason(c) or 'agree'} |"
        )
    return out


def causes_list() -> list[str]:
    return [f"- **{c.key}** (silicon backs: {c.silicon}): {c.text}." for c in mca.CAUSES.values()]


def markdown(rows: list[Row], loops: list[Loop], top: int, versions: dict[str, str]) -> str:
    out = [
        "# llvm-mca cross-check of simtiny's Cortex-M7 block prices",
        "",
        f"Generated by `{COMMAND}`; regenerate it after any change to the cycle model or the firmware.",
        "",
        "Versions: " + "; ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        "",
        f"llvm-mca runs as `llvm-mca -mtriple={mca.TRIPLE} -mcpu={mca.CPU} -iterations={ITERATIONS}` on each "
        "block, disassembled by capstone (the branch ending the block and IT dropped, predicated instructions "
        "written unconditionally, a PC-loading POP/LDR loading LR instead: see `benchmarks/mca.py`). Its figure is "
        "Total Cycles / iterations: the block repeated back to back on LLVM's in-order, dual-issue Cortex-M7 "
        "model (ARMScheduleM7.td). simtiny's figure is `m7model.price_block`: one execution from ready inputs, "
        "the figure the simulator charges. *ratio* is llvm-mca / simtiny; a block agrees within "
        f"{mca.TOLERANCE:.0%}. Each gap is explained from the block's instruction mix by the causes listed at "
        "the end, each with what the silicon measurements of jnk0le (STM32H743, the calibration's source J) "
        "say about it.",
        "",
        "## Summary",
        "",
        *summary(rows),
        "## Where they differ, by cause",
        "",
        *by_cause(rows),
        "",
        f"## Hot blocks (top {top} by simtiny cycles)",
        "",
        *hot_table(rows, top),
        "",
        "## Calibration loops: both models against silicon",
        "",
        "The loop bodies of `benchmarks/firmware/cycles_bench.c` (loop head to back edge) priced by both models, "
        "against the silicon figure per iteration from `docs/cycle-model-calibration.md`. Loops with branches "
        "inside are not straight-line blocks and are left out.",
        "",
        *loops_table(loops),
        "",
        "## What the cross-check suggests about simtiny's model",
        "",
        "Causes on which the silicon measurements side with llvm-mca, or on which no silicon figure "
        "decides, present in the executed blocks. The cycles are the instruction-mix estimates of "
        "`simtiny.mca.contributions`, weighted by executions: a rough size of what simtiny over- (negative) "
        "or under-charges if llvm-mca's rule is the right one.",
        "",
        *simtiny_suspects(rows),
        "",
        "## Examples",
        "",
        *examples(rows),
        "## Causes",
        "",
        *causes_list(),
        "",
    ]
    return "\n".join(out)


def versions(toolchain: str) -> dict[str, str]:
    return {
        "llvm-mca": mca.llvm_mca_version() or "not found",
        "capstone": capstone.__version__,
        toolchain: find_toolchain(toolchain).version,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="a .tflite model to build firmware for")
    parser.add_argument("--toolchain", default="gcc", help="gcc or zig (default gcc)")
    parser.add_argument("--top", type=int, default=30, help="hot blocks to list (default 30)")
    parser.add_argument("--markdown", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    if mca.llvm_mca_path() is None:
        print("llvm-mca not found: install the Debian package `llvm`", file=sys.stderr)
        return 2
    platform = load_platform("stm32h743")
    try:
        bench = build_firmware(platform, args.toolchain)
        compiled = compile_model(load_and_check(args.model), platform, args.toolchain)
    except SimtinyError as exc:
        print(f"llvm_mca_check: {exc}", file=sys.stderr)
        return 1
    model_name = args.model.stem
    rows = profile_blocks("cycles_bench", bench.elf, platform)
    rows += profile_blocks(model_name, compiled.firmware.elf, compiled.platform, model_writes(compiled))
    loops = calibration_loops(bench.elf)
    print("\n".join(summary(rows)))
    print("\n".join(by_cause(rows)))
    print()
    print("\n".join(hot_table(rows, args.top)))
    print()
    print("\n".join(loops_table(loops)))
    if args.markdown:
        args.markdown.write_text(markdown(rows, loops, args.top, versions(args.toolchain)))
        print(f"\nwrote {args.markdown}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
