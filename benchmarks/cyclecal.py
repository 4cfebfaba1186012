"""Cortex-M7 cycle-model calibration: micro-benchmark loops with published silicon figures.

benchmarks/firmware/cycles_bench.c runs each loop below for K_LO and K_HI iterations and stores the
difference of the two DWT CYCCNT deltas, i.e. the cycles of ITERATIONS steady-state
iterations (loop control included; set-up, calls, the cold first iteration and the loop-exit
mispredict cancel). This module holds the table of those loops with the figure each one has on
real Cortex-M7 silicon, runs the firmware on simtiny's simulator and compares.

Where a source measured the loop itself, the figure is `measured`. Where sources publish only
per-instruction facts ("two loads pair when they hit different banks"), the loop's figure is
`derived` from them, and the derivation says from which fact. A `published` of None means no
silicon figure was found in the public material searched (see SOURCES); such rows are run and
reported but not checked.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

from simtiny.elf.image import load_elf
from simtiny.errors import SimtinyError
from simtiny.flow.build import Firmware, FirmwareSpec, build, find_toolchain
from simtiny.platform import Platform
from simtiny.sim import MemoryRead, RunRequest, get_engine

FIRMWARE_NAME = "cycles_bench"
FIRMWARE_SOURCE = Path(__file__).resolve().parent / "firmware" / f"{FIRMWARE_NAME}.c"
ITERATIONS = 100  # K_HI - K_LO in the firmware
TOLERANCE = 0.10

# Where the figures come from. Each entry: what it is, where it is, what exactly was measured.
SOURCES: dict[str, str] = {
    "J": (
        "jnk0le, github.com/jnk0le/random, 'pipeline cycle test/doc/cortex_m7.md' (stored version "
        "at commit 0b9c602715da62328bfb758d8062f767e0b4c684): per-instruction findings measured on an "
        "STM32H743 rev Y with DWT CYCCNT, loops of 40 instructions x 1000 iterations"
    ),
    "JT": (
        "jnk0le, github.com/jnk0le/random, 'pipeline cycle test/CM7_pipetest_tmpl.S' (commit "
        "0512e3e5ce0fa60844aa42845fc46baf1d893635) and 'pipeline cycle test/README.md' ('Template "
        "files by default measure 20 cycles per loop x1000'): the template loop itself, measured on "
        "an STM32H743 with DWT CYCCNT"
    ),
    "Q": (
        "quinapalus.com/cm7cycles.html, 'Cortex-M7 instruction cycle counts, timings, and dual-issue "
        "combinations' (STM32H730 at 480 MHz, caches on; 4 vs 14 copies of each sequence between ISBs, "
        "SysTick, difference / 10, average of 1000 runs). Only the page's introduction and method are "
        "in the stored corpora: its table could not be read, so no row cites a figure from it"
    ),
    "L": (
        "LLVM llvm/lib/Target/ARM/ARMScheduleM7.td (llvm/llvm-project): Arm's scheduling model, "
        "not a measurement"
    ),
    "G": "GCC gcc/config/arm/cortex-m7.md (gcc-mirror/gcc): GCC's pipeline description, not a measurement",
}


@dataclass(frozen=True)
class Benchmark:
    """One loop of the firmware and the cycles one iteration takes on silicon."""

    name: str
    description: str
    instructions: int  # instructions per iteration, loop control included (= 1-cpi cycles)
    published: float | None  # cycles per iteration on a Cortex-M7; None: no figure found
    basis: str  # "measured", "derived" or "not found"
    source: str  # keys of SOURCES
    derivation: str
    tolerance: float = TOLERANCE
    # Run with the memory model: the effect it checks is priced by the memory hooks (the
    # others run with ideal memory, so that cache conflicts between the firmware's own
    # functions cannot move their figures).
    memory_model: bool = False

    @property
    def checked(self) -> bool:
        return self.published is not None


def _b(
    name: str,
    description: str,
    instructions: int,
    published: float | None,
    basis: str,
    source: str,
    derivation: str,
    memory_model: bool = False,
) -> Benchmark:
    return Benchmark(name, description, instructions, published, basis, source, derivation, memory_model=memory_model)


LOOP = "loop control subs.w/bne.w"
LOOP_N = "loop control subs.n/bne.n"

# In the firmware's order (the enum in cycles_bench.c). Loop control is counted in
# `instructions` and in `published`.
BENCHMARKS: tuple[Benchmark, ...] = (
    _b(
        "nop_template",
        "jnk0le's CM7 template loop: 38 nop.w, subs.w 12 instructions before bne.w",
        40, 20.0, "measured", "JT",
        "The template's loop as published (counter in r12 instead of r9): 40 .w instructions per "
        "iteration measure 20 cycles per loop (README: 'Template files by default measure 20 cycles "
        "per loop x1000'), i.e. everything dual issues, the predicted back edge included.",
    ),
    _b(
        "nop_template_39",
        "jnk0le's CM7 template loop with one nop.w fewer before the branch (39 .w instructions)",
        39, 20.0, "derived", "J JT",
        "J advises starting from .w opcodes because 'the short ones (even in fours) can cause half "
        "cycle slide (remove one nop before branch to confirm)', and a predicted taken branch dual "
        "issues with one instruction at its destination only if it 'requires at least 2 .n "
        "instructions executed prior to branch' (J, branching): with no .n instruction the bne.w "
        "alone in the last cycle does not pair with the loop's first nop.w, so 38 .w instructions "
        "pair (19 cycles) and the branch takes one: 20, as the 40-instruction template (JT).",
    ),
    _b(
        "empty_loop",
        f"{LOOP} only",
        2, None, "not found", "J",
        "No published measurement of a loop of only subs/bne. Informational: what the model charges "
        "for the loop control alone.",
    ),
    _b(
        "alu_independent",
        f"64 independent add.w rX, rX, #1 over 8 registers + {LOOP}",
        66, 33.0, "derived", "J JT",
        "Two ALUs: simple-constant ALU ops dual issue (J, operand2 matrix: 'simple constant' with "
        "'simple constant' is '+'), and the template shows a stream of .w instructions with subs/bne "
        "retiring 2 per cycle (JT). 66 instructions / 2 = 33.",
    ),
    _b(
        "alu_dependent",
        f"64 eor.w r0, r0, r10 (one dependency chain) + {LOOP}",
        66, 64.0, "derived", "J L",
        "ALU result latency 1 (J: early and late ALU 'one cycle apart'; L: WriteALU Latency 1); EOR is "
        "not among the ops the early ALU forwards to the late ALU in 0 cycles (J lists add, sub, mov, "
        "rev, shifts), so the chain issues one per cycle: 64. subs pairs with an EOR and the predicted "
        "bne with the first EOR at the loop head (+0..1).",
    ),
    _b(
        "mul_throughput",
        f"32 independent mul rX, r10, r11 + {LOOP}",
        34, 32.0, "derived", "J",
        "'multiplication, MAC: can't dual issue wrt each other' (J): one MAC unit, one MUL per cycle = "
        "32; subs and bne pair with MULs (+0..1).",
    ),
    _b(
        "mul_latency",
        f"32 mul r0, r0, r10 (each uses the previous product) + {LOOP}",
        34, 64.0, "derived", "J L",
        "'all multiplications and multiply accumulates have 1 additional cycle of result latency' (J), "
        "i.e. 2 cycles (L: WriteMUL32 Latency 2): 32 x 2 = 64.",
    ),
    _b(
        "smlad_acc_chain",
        f"32 smlad r0, r10, r11, r0 (accumulating into one register) + {LOOP}",
        34, 32.0, "derived", "J",
        "'all multiply accumulates can be chained on accumulator dependency each cycle' (J): 32.",
    ),
    _b(
        "smlad_latency",
        f"32 smlad r0, r0, r10, r11 (result used as the next multiplicand) + {LOOP}",
        34, 64.0, "derived", "J L",
        "MAC result latency 2 (J: one additional cycle; L: WriteMAC32 Latency 2) when the result is a "
        "multiplicand (only the accumulator input has the late forwarding): 32 x 2 = 64.",
    ),
    _b(
        "sxtb16_throughput",
        f"32 independent sxtb16 + {LOOP}",
        34, 32.0, "derived", "J",
        "Bitfield/DSP instructions 'cannot dual issue wrt each other' (J): one per cycle = 32; subs and "
        "bne pair with them (+0..1).",
    ),
    _b(
        "sxtb16_smlad",
        f"32 x (sxtb16 r1, r10 ; smlad r0, r2, r3, r0), independent + {LOOP}",
        66, 33.0, "derived", "J",
        "SMLAD 'can be dual issued with dsp/bitmanip ... instructions as well as execute in any opcode "
        "slot', and the DSP op must be the older op (J): one pair per cycle = 32, and subs/bne need one "
        "more issue cycle: 66 / 2 = 33. This is the int8 kernel's SXTB16 + SMLAD pair.",
    ),
    _b(
        "ldr_diff_bank",
        f"32 ldr.w of consecutive words of DTCM (pairs hit even and odd banks) + {LOOP}",
        34, 17.0, "derived", "J",
        "'two loads (targeting dtcm or cache or both) can be dual issued if each one is targeting "
        "different bank (even and odd words)' (J): 16 load pairs + 1 cycle for subs/bne = 17.",
    ),
    _b(
        "ldr_same_bank",
        f"32 ldr.w of even words only (one bank) + {LOOP}",
        34, 32.0, "derived", "J",
        "Loads to the same bank do not pair (J): one per cycle = 32; subs and bne pair with loads "
        "(+0..1).",
    ),
    _b(
        "ldr_load_use",
        f"32 x (ldr.w rX ; add.w r11, r11, rX) + {LOOP}",
        66, 33.0, "derived", "J",
        "'word loads can be consumed by late ALU in next cycle' (J): each add pairs with the next, "
        "independent load, one pair per cycle: 66 / 2 = 33.",
    ),
    _b(
        "ldrb_load_use",
        f"32 x (ldrb.w rX ; add.w r11, r11, rX) + {LOOP}",
        66, 65.0, "derived", "J",
        "'byte/half loads can be consumed in second cycle by late ALU (1 extra cycle of result "
        "latency)' (J): in order, each add waits one cycle and then pairs with the next load, 2 cycles "
        "per load+add: 1 (bne with the first ldrb) + 1 + 31 x 2 + 1 (last add with subs) = 65 (66 if "
        "the taken branch does not pair).",
    ),
    _b(
        "ldr_uxtab_use",
        f"32 x (ldr.w rX ; uxtab r11, r11, rX) + {LOOP}",
        66, 65.0, "derived", "J",
        "'word loads can be consumed by late ALU in next cycle, except instructions that consume one "
        "of the operands in early ALU (e.g. inline shifted operand2 shift or uxtab)', and in "
        "{s,u}xta{b,h,b16} 'the extracted ... register consume its operand in early ALU (source must be "
        "available a cycle earlier than normally)' (J): each uxtab waits one cycle more than an add "
        "would and pairs with the next load, 2 cycles per load+uxtab, as ldrb_load_use: 65.",
    ),
    _b(
        "ldr_unaligned",
        f"32 x (ldr.w rX, [r8, #4k+1] ; add.w r11, r11, #1) + {LOOP}",
        66, 129.0, "derived", "J",
        "'unaligned loads are severely underperforming. +3 cycles as older op, +4 as younger op or "
        "when both older and younger ops are unaligned loads (banks or unalignment amount doesn't "
        "matter)' (J): each pair is an unaligned load in the older slot with an independent add, "
        "1 cycle as in ldr_load_use plus 3: 32 x 4 + 1 (subs/bne) = 129. Run with the memory model, "
        "whose read hook is what sees the address.",
        memory_model=True,
    ),
    _b(
        "ldm2",
        f"32 ldmia.w r8, {{r0, r1}} + {LOOP_N}",
        34, 33.0, "derived", "J",
        "Load/store multiple 'cannot dual issue with preceding or following instructions' and 'takes "
        "ceil(regnum/2) cycles' (J): 32 x 1 + 1 (subs/bne) = 33. The loop control is 16-bit because J "
        "notes LDM/STM 'require instruction stream compression by 4bytes (2x .n instr)' nearby.",
    ),
    _b(
        "ldm3",
        f"16 ldmia.w r8, {{r0-r2}} + {LOOP_N}",
        18, 33.0, "derived", "J",
        "ceil(3/2) = 2 cycles each, single issue (J): 16 x 2 + 1 = 33.",
    ),
    _b(
        "ldm4",
        f"16 ldmia.w r8, {{r0-r3}} + {LOOP_N}",
        18, 33.0, "derived", "J",
        "ceil(4/2) = 2 cycles each, single issue (J): 16 x 2 + 1 = 33.",
    ),
    _b(
        "ldm8",
        f"8 ldmia.w r8, {{r0-r5, r10, r11}} + {LOOP_N}",
        10, 33.0, "derived", "J",
        "ceil(8/2) = 4 cycles each, single issue (J): 8 x 4 + 1 = 33.",
    ),
    _b(
        "stm4",
        f"16 stmia.w r8, {{r0-r3}} to an 8-byte aligned DTCM buffer + {LOOP_N}",
        18, 33.0, "derived", "J",
        "ceil(4/2) = 2 cycles each, single issue; 'store multiple requires 8 byte memory alignment "
        "otherwise storing even number of registers will add 1 extra cycle' (J; the buffer is "
        "aligned): 16 x 2 + 1 = 33.",
    ),
    _b(
        "branch_not_taken",
        f"32 x (beq.w never taken ; add.w) + {LOOP}",
        66, 33.0, "derived", "J",
        "'not-taken branch can dual issue with following instruction' (J): 32 pairs + 1 cycle for "
        "subs/bne = 33.",
    ),
    _b(
        "branch_taken",
        f"16 x (add.n ; add.n ; b.n to the next instruction ; add.n) + {LOOP}",
        66, 33.0, "derived", "J",
        "'Predicted (any direction and length) taken branch is capable of dual issuing with one "
        "instruction at destination address ... requires at least 2 .n instructions executed prior "
        "to branch' (J): each group is [add.n, add.n] + [b.n, add.n at the target] = 2 cycles; "
        "16 x 2 + 1 (subs/bne) = 33.",
    ),
    _b(
        "branch_mispredict",
        f"movs.w r11, #4 ; inner loop 4 x (subs.w r11 ; 12 nop.w ; bne.w) + {LOOP}",
        59, 36.0, "derived", "J JT",
        "An inner iteration of 14 pairable .w instructions takes 7 cycles (JT: 2 per cycle); the inner "
        "loop's exit is a mispredicted branch whose flags are set 6 cycles earlier: 'flag forwarding "
        "can reduce branch misprediction penalty from 8 to 6 cycles (in case of subs + bne), "
        "instruction generating flags have to be placed at least 3 cycles before branch' (J) = 6; "
        "movs + outer subs/bne about 2: 4 x 7 + 6 + 2 = 36. Assumes the inner back edge is predicted "
        "taken at its exit (one mispredict per outer iteration, the loop-exit case J and JT measured).",
    ),
    _b(
        "branch_mispredict_late",
        f"movs.w r11, #4 ; inner loop 4 x (11 nop.w ; subs.w r11 ; nop.w ; bne.w) + {LOOP}",
        59, 38.0, "derived", "J JT",
        "As branch_mispredict, but the inner SUBS sets the flags one cycle before its BNE: 'setting "
        "flags within 4-5 instruction slots prior to branch will cause a worst case penalty' (J) of "
        "8: an inner iteration of 14 pairable .w instructions is 7 cycles (subs pairs with a nop, "
        "the bne with the last nop once the flags are ready), 4 x 7 + 8 + 2 = 38.",
    ),
    _b(
        "udiv",
        f"8 independent udiv rX, r10, r11 (1000000 / 7) + {LOOP}",
        10, None, "not found", "L G",
        "Not found: the stored corpora hold no silicon measurement of Cortex-M7 SDIV/UDIV. Models only: "
        "L gives WriteDIV Latency 7, SingleIssue ('they stall for their latency'); G reserves all units "
        "for 4 cycles (cortex_m7_idiv). The Cortex-M4 TRM's '2 to 12 cycles' is another core.",
    ),
    _b(
        "sdiv",
        f"8 independent sdiv rX, r10, r11 (1000000 / 7) + {LOOP}",
        10, None, "not found", "L G",
        "Not found, as udiv: L models latency 7 single issue, G 4 cycles; no silicon figure.",
    ),
    _b(
        "vadd_throughput",
        f"32 independent vadd.f32 over 8 destinations + {LOOP}",
        34, 32.0, "derived", "J",
        "FP 'arithmetic instructions cannot be dual issued (e.g vadd.f + vadd.f ...)' (J): one per "
        "cycle, the 3-cycle latency hidden by 8 destinations: 32; subs and bne pair with them (+0..1).",
    ),
    _b(
        "vadd_latency",
        f"32 vadd.f32 s0, s0, s9 (one chain) + {LOOP}",
        34, 96.0, "derived", "J L",
        "J's FPU latency table: vadd.f result as a vadd.f operand: 3 cycles (L: WriteFPALU32 Latency "
        "3): 32 x 3 = 96.",
    ),
    _b(
        "vmul_latency",
        f"32 vmul.f32 s0, s0, s9 (one chain) + {LOOP}",
        34, 96.0, "derived", "J L",
        "J's FPU latency table: vmul.f result as a vmul.f operand: 3 cycles (L: WriteFPMUL32 Latency "
        "3): 32 x 3 = 96.",
    ),
    _b(
        "vfma_chain",
        f"32 vfma.f32 s0, s8, s9 (chained through the accumulator) + {LOOP}",
        34, 96.0, "derived", "J",
        "J's FPU latency table: vfma.f result 'as fma/mla accumulate' 3 cycles (5 as a multiplicand), "
        "and 'multiply accumulates can be pipelined every cycle but at least 3 independent "
        "accumulations must be interleaved': 32 x 3 = 96. (L models VFMA.F32 as latency 5 with the "
        "accumulator read 2 cycles late, i.e. also 3 through the accumulator. Third-party summaries of "
        "Q quote 'vfma.f every third cycle with 5-cycle latency' without naming the operand: 5 applied "
        "to the accumulator would give 160.)",
    ),
    _b(
        "vdiv",
        f"8 independent vdiv.f32 (1.0 / 3.0) + {LOOP}",
        10, 128.0, "derived", "J L",
        "'vdiv.f/vsqrt.f execute in 16/14 cycles, dual issues with one integer instruction and locks "
        "pipeline for the rest of the duration' (J; L: WriteFPDIV32 Latency 16): 8 x 16 = 128.",
    ),
    _b(
        "vsqrt",
        f"8 independent vsqrt.f32 (of 3.0) + {LOOP}",
        10, 112.0, "derived", "J",
        "'vdiv.f/vsqrt.f execute in 16/14 cycles' (J): 8 x 14 = 112. (L models VSQRTS as 16.)",
    ),
)


@dataclass(frozen=True)
class Result:
    """One benchmark: the model's cycles per iteration against the published figure."""

    benchmark: Benchmark
    cycles: float  # per iteration, from the simulated DWT CYCCNT

    @property
    def ratio(self) -> float | None:
        published = self.benchmark.published
        return None if published is None else self.cycles / published

    @property
    def within_tolerance(self) -> bool | None:
        ratio = self.ratio
        return None if ratio is None else abs(ratio - 1.0) <= self.benchmark.tolerance


@dataclass(frozen=True)
class Calibration:
    """A calibration run: which cycle model, which firmware build, and the results."""

    model: str
    toolchain: str
    results: tuple[Result, ...]

    @property
    def off(self) -> list[Result]:
        """The checked benchmarks outside their tolerance."""
        return [r for r in self.results if r.within_tolerance is False]


def firmware_spec() -> FirmwareSpec:
    return FirmwareSpec(FIRMWARE_NAME, (FIRMWARE_SOURCE,))


def build_firmware(platform: Platform, toolchain: str | None = None) -> Firmware:
    """Build benchmarks/firmware/cycles_bench.c with `toolchain` (the first available if None)."""
    return build(firmware_spec(), platform, find_toolchain(toolchain))


def firmware_benchmark_names(source: Path = FIRMWARE_SOURCE) -> list[str]:
    """The benchmark names in the firmware's enum (B_FOO -> "foo"), in order, up to NB."""
    text = source.read_text()
    body = re.search(r"enum\s*\{(.*?)\bNB\b", text, re.S)
    if body is None:
        raise SimtinyError(f"{source}: no benchmark enum ending in NB")
    return [m.lower() for m in re.findall(r"\bB_([A-Z0-9_]+)\b", body.group(1))]


def measure(elf: Path, platform: Platform, timing: str | None = None, memory_model: bool = False) -> list[int]:
    """Run the firmware under a timing model (by name; None: the CPU's), with or without the
    memory model, and return bench_cycles: the cycles of ITERATIONS iterations of each loop."""
    image = load_elf(elf)
    count = len(BENCHMARKS)
    reads = [
        MemoryRead("cycles", image.symbol("bench_cycles"), 4 * count),
        MemoryRead("count", image.symbol("bench_count"), 4),
    ]
    request = RunRequest(elf, platform, reads=reads, memory_model=memory_model, timing=timing)
    result = get_engine("unicorn").run(request)
    if result.status != "exit" or result.exit_code != 0:
        why = result.fault.describe() if result.fault else f"{result.status}, exit code {result.exit_code}"
        raise SimtinyError(f"{elf}: the calibration firmware did not exit 0 ({why})")
    (done,) = struct.unpack("<I", result.memory["count"])
    if done != count:
        raise SimtinyError(f"{elf}: {done} benchmarks ran, the table has {count}")
    return list(struct.unpack(f"<{count}I", result.memory["cycles"]))


def run_calibration(elf: Path, platform: Platform, timing: str | None = None, toolchain: str = "") -> Calibration:
    """Run the firmware under a timing model (the CPU's if None) and compare each loop."""
    name = timing or platform.cpu.timing_model
    ideal = measure(elf, platform, name)
    memory = measure(elf, platform, name, memory_model=True) if any(b.memory_model for b in BENCHMARKS) else ideal
    results = tuple(
        Result(b, (m if b.memory_model else i) / ITERATIONS)
        for b, i, m in zip(BENCHMARKS, ideal, memory, strict=True)
    )
    return Calibration(name, toolchain, results)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_table(calibration: Calibration) -> str:
    """Plain-text table: benchmark, published, model, ratio, source."""
    lines = [
        f"cycle model {calibration.model}, firmware built with {calibration.toolchain or '?'}; "
        f"cycles per iteration, tolerance {TOLERANCE:.0%}",
        f"{'benchmark':<22} {'insns':>5} {'published':>9} {'model':>7} {'ratio':>6}  {'':<3} {'basis':<9} source",
    ]
    for r in calibration.results:
        b = r.benchmark
        mark = {True: "ok", False: "OFF", None: ""}[r.within_tolerance]
        lines.append(
            f"{b.name:<22} {b.instructions:>5} {_fmt(b.published):>9} {r.cycles:>7.2f} {_fmt(r.ratio, 2):>6}  "
            f"{mark:<3} {b.basis:<9} {b.source}"
        )
    checked = [r for r in calibration.results if r.benchmark.checked]
    lines.append(f"{len(checked) - len(calibration.off)} of {len(checked)} checked benchmarks within tolerance")
    return "\n".join(lines)
