"""Independent cross-check of simtiny's Cortex-M7 block prices against LLVM's llvm-mca.

llvm-mca (Debian package `llvm`) runs LLVM's Cortex-M7 scheduling model (ARMScheduleM7.td,
contributed by Arm) over assembler text: an in-order machine (MicroOpBufferSize 0) that issues
up to two instructions a cycle (IssueWidth 2) in program order, each once its operands are ready
(write latency minus the reader's ReadAdvance) and its units are free (two ALUs, two load ports,
one store, MAC, shifter, SIMD, branch and FP unit each); SingleIssue instructions issue alone and
BeginGroup ones only in the older slot. It has no memory banks, no branch predictor and no
multi-cycle LDM/STM or VDIV. It repeats the block `iterations` times back to back, so its cycles
per iteration are a steady state in which values produced late in one copy delay the next copy.

simtiny prices one execution of a block from ready inputs (m7model.price_block). compare_blocks
puts the two side by side and names, from the block's instruction mix, the rule differences that
explain a gap (see CAUSES).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cache

import capstone
from capstone import arm_const as arm

from simtiny.sim.timing import m7model

LLVM_MCA = "llvm-mca"
TRIPLE = "thumbv7em-none-eabihf"
CPU = "cortex-m7"
TIMEOUT_SECONDS = 30.0
TOLERANCE = 0.10  # a block "agrees" when llvm-mca is within 10% of simtiny

# Instructions that end a block and only redirect the PC: not given to llvm-mca (llvm-mca
# ignores PC updates and would price them as branch-unit work of a loop back edge).
_BRANCHES = {"b", "bl", "bx", "blx", "cbz", "cbnz", "tbb", "tbh"}
_CONDITIONS = ("eq", "ne", "hs", "cs", "lo", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le")


@dataclass(frozen=True)
class Translation:
    """A block as llvm-mca takes it, and what had to be changed on the way."""

    text: str  # one instruction a line, unified syntax
    kept: bytes  # the block's bytes less the dropped instructions (what llvm-mca prices)
    instructions: int  # lines of `text`
    rewrites: tuple[str, ...]  # what was dropped or rewritten, one entry per instruction


@dataclass(frozen=True)
class McaResult:
    """llvm-mca's verdict on one block repeated `iterations` times."""

    iterations: int
    total_cycles: int  # "Total Cycles": all iterations, pipeline fill and drain included
    instructions: int  # per iteration
    dispatch_width: int
    block_rthroughput: float  # llvm-mca's resource-only bound for one iteration
    assembly: str
    rewrites: tuple[str, ...]

    @property
    def cycles(self) -> float:
        """Steady-state cycles per iteration: Total Cycles / iterations."""
        return self.total_cycles / self.iterations


@dataclass(frozen=True)
class McaFailure:
    """Why a block could not be priced by llvm-mca."""

    reason: str
    assembly: str = ""


@cache
def _disassembler() -> capstone.Cs:
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = True
    return md


def llvm_mca_path() -> str | None:
    return shutil.which(LLVM_MCA)


def llvm_mca_version() -> str:
    """The first line of `llvm-mca --version` that names a version, or "" without llvm-mca."""
    path = llvm_mca_path()
    if path is None:
        return ""
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=TIMEOUT_SECONDS).stdout
    return next((line.strip() for line in out.splitlines() if "version" in line.lower()), out.strip())


def translate(code: bytes, address: int) -> Translation | McaFailure:
    """Disassemble a block (capstone, Thumb + M-class) into text llvm-mca accepts.

    Rewritten, because llvm-mca cannot take them or would price something else:
    - a branch ending the block (b, bl, bx, blx, cbz, cbnz, tbb, tbh) is dropped: llvm-mca
      ignores PC updates, and simtiny gives a predicted branch no cycle of its own (it pairs);
    - IT is dropped and the instructions of its block are written unconditionally: llvm-mca has
      no scheduling class for IT ("unsupported instruction") and its assembler rejects a
      predicated instruction outside an IT block; the timing of an executed instruction is the
      same, only its read of the flags is lost;
    - a load that writes the PC (pop {..., pc}, ldr pc, ldm {..., pc}) loads LR instead: the
      same load for the pipeline, without the branch (a register list never holds both);
    - PC-relative literal loads and ADR are kept as capstone prints them ([pc, #imm]): the
      LLVM assembler takes them and llvm-mca prices them as loads with no base dependency,
      which is what they are (no register base needs to be substituted).
    """
    md = _disassembler()
    lines: list[str] = []
    kept = bytearray()
    rewrites: list[str] = []
    offset = 0
    for insn in md.disasm(code, address):  # one pass: capstone tracks IT blocks only within a call
        offset += insn.size
        text = f"{insn.mnemonic} {insn.op_str}".strip()
        name = insn.insn_name()
        if name == "it":
            rewrites.append(f"dropped '{text}'")
            continue
        if name in _BRANCHES or (_writes_pc(insn) and not _is_load(name)):
            rewrites.append(f"dropped '{text}'")
            continue
        line = _unconditional(insn) if _predicated(insn) else text
        if _writes_pc(insn):
            line = re.sub(r"\bpc\b", "lr", line)
        if line != text:
            rewrites.append(f"'{text}' -> '{line}'")
        lines.append(line)
        kept += insn.bytes
    if offset < len(code):
        return McaFailure(f"capstone cannot decode the bytes at 0x{address + offset:08X}")
    if not lines:
        return McaFailure("a lone branch, nothing left for llvm-mca to price")
    return Translation("\n".join(lines) + "\n", bytes(kept), len(lines), tuple(rewrites))


def _predicated(insn: capstone.CsInsn) -> bool:
    return insn.cc not in (arm.ARM_CC_AL, arm.ARM_CC_INVALID)


def _writes_pc(insn: capstone.CsInsn) -> bool:
    return arm.ARM_REG_PC in insn.regs_access()[1]


def _is_load(name: str) -> bool:
    return name.startswith(("ldr", "ldm", "pop", "vpop", "vldm"))


def _unconditional(insn: capstone.CsInsn) -> str:
    """The instruction with its condition code removed from the mnemonic (addne.w -> add.w)."""
    head, dot, tail = insn.mnemonic.partition(".")
    for cond in _CONDITIONS:
        if head.endswith(cond) and len(head) > len(cond):
            head = head[: -len(cond)]
            break
    return f"{head}{dot}{tail} {insn.op_str}".strip()


def run_mca(text: str, iterations: int = 100, timeout: float = TIMEOUT_SECONDS) -> McaResult | McaFailure:
    """Run llvm-mca for the Cortex-M7 on assembler text and parse its summary."""
    path = llvm_mca_path()
    if path is None:
        return McaFailure("llvm-mca not found (Debian package `llvm`)", text)
    cmd = [
        path,
        f"-mtriple={TRIPLE}",
        f"-mcpu={CPU}",
        f"-iterations={iterations}",
        "-instruction-info=false",
        "-resource-pressure=false",
    ]
    try:
        done = subprocess.run(cmd, input=text, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return McaFailure(f"llvm-mca timed out after {timeout:g} s", text)
    except OSError as exc:
        return McaFailure(f"llvm-mca could not run: {exc}", text)
    errors = [line for line in done.stderr.splitlines() if "error:" in line]
    if done.returncode != 0 or errors:
        # llvm-mca skips a line its assembler rejects and still prints a summary: any error counts
        detail = "; ".join(_error_lines(done.stderr)) or f"exit status {done.returncode}"
        return McaFailure(f"llvm-mca: {detail}", text)
    fields = dict(re.findall(r"^([A-Za-z][A-Za-z ]+):\s+([0-9.]+)\s*$", done.stdout, re.MULTILINE))
    try:
        return McaResult(
            iterations=int(fields["Iterations"]),
            total_cycles=int(fields["Total Cycles"]),
            instructions=int(fields["Instructions"]) // max(1, int(fields["Iterations"])),
            dispatch_width=int(fields.get("Dispatch Width", "0")),
            block_rthroughput=float(fields.get("Block RThroughput", "0")),
            assembly=text,
            rewrites=(),
        )
    except (KeyError, ValueError):
        return McaFailure("llvm-mca printed no 'Total Cycles' summary", text)


def _error_lines(stderr: str) -> list[str]:
    """The error messages with the offending instruction, one short entry each."""
    out: list[str] = []
    lines = stderr.splitlines()
    for i, line in enumerate(lines):
        if "error:" not in line:
            continue
        message = line.split("error:", 1)[1].strip()
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if following.startswith("note: instruction:"):
            following = following.removeprefix("note: instruction:").strip()
        out.append(f"{message} ({following})" if following else message)
    return list(dict.fromkeys(out))[:3]


def mca_block(code: bytes, address: int, iterations: int = 100) -> McaResult | McaFailure:
    """llvm-mca's steady-state price of a block, or why there is none."""
    translation = translate(code, address)
    if isinstance(translation, McaFailure):
        return translation
    return _run(translation, iterations)


def _run(translation: Translation | McaFailure, iterations: int) -> McaResult | McaFailure:
    if isinstance(translation, McaFailure):
        return translation
    result = run_mca(translation.text, iterations)
    return result if isinstance(result, McaFailure) else replace(result, rewrites=translation.rewrites)


def mca_cycles(code: bytes, address: int, iterations: int = 100) -> McaResult | None:
    """llvm-mca's price of a block (cycles per iteration: `.cycles`); None when it cannot price it
    (no llvm-mca, an instruction it rejects, a timeout): mca_block keeps the reason."""
    result = mca_block(code, address, iterations)
    return result if isinstance(result, McaResult) else None


# ----- comparison ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cause:
    """A known difference between the two models, and which one silicon backs ([J] jnk0le's
    STM32H743 measurements, the calibration's source J)."""

    key: str
    text: str
    silicon: str  # "simtiny", "llvm-mca", "mixed", "unknown", or "method" (how the block is run)


CAUSES: dict[str, Cause] = {
    c.key: c
    for c in (
        Cause(
            "ldm", "LDM/STM: llvm-mca prices one single-issue cycle whatever n, silicon ceil(n/2) [jnk0le]", "simtiny"
        ),
        Cause(
            "ldrd",
            "LDRD/STRD (and 64-bit VLDR/VSTR): llvm-mca 1 issue cycle, as silicon ceil(2/2) = 1 [jnk0le]; "
            "simtiny charges more only for 64-bit VLDR/VSTR",
            "llvm-mca",
        ),
        Cause(
            "load_banks",
            "load pairing across banks: llvm-mca pairs any two loads, silicon only on different "
            "32-bit banks [jnk0le]; simtiny only where provably so",
            "simtiny",
        ),
        Cause(
            "writeback_order",
            "in-order write-back: llvm-mca holds an instruction until its first result cannot "
            "land before an older one's (indexed loads after loads, ALU after MUL); silicon issues indexed "
            "loads back to back and pairs ALU with MUL [jnk0le]",
            "simtiny",
        ),
        Cause(
            "store_data",
            "store data: llvm-mca and simtiny read it late, as silicon stores any result in the same "
            "cycle [jnk0le]; a remaining gap comes from how each orders the producer",
            "llvm-mca",
        ),
        Cause(
            "accumulator",
            "accumulator forwarding: llvm-mca reads any MAC accumulator a cycle late, simtiny only "
            "after a MAC; silicon as llvm-mca [jnk0le]",
            "llvm-mca",
        ),
        Cause(
            "bitfield_slot",
            "dual issue of extend/bitfield ops (SXTB, UXTH, UBFX, BFI): older slot only in llvm-mca, "
            "simtiny and silicon [jnk0le]; a remaining gap comes from what they pair with",
            "llvm-mca",
        ),
        Cause(
            "narrow_flags",
            "16-bit flag-setting ALU ops (adds, subs, movs #imm, lsls...): llvm-mca issues them in the older "
            "slot only, simtiny in either (no silicon figure)",
            "unknown",
        ),
        Cause("hint", "NOP/hint/barrier: llvm-mca single-issues them, silicon dual-issues NOP [jnk0le]", "simtiny"),
        Cause(
            "fp_divide", "VDIV/VSQRT: llvm-mca 14 cycles apart (28 for F64), simtiny 16/14 (30/29) [jnk0le]", "simtiny"
        ),
        Cause("divide", "SDIV/UDIV: llvm-mca 6 cycles apart, simtiny 7 (worst case; no silicon figure)", "unknown"),
        Cause(
            "fp_load", "VLDR latency: llvm-mca 1, simtiny 2; silicon 1 (3 as a VFMA accumulator) [jnk0le]", "llvm-mca"
        ),
        Cause(
            "fp_move", "VMOV core<->FP latency: llvm-mca 3, simtiny 1; silicon 3 into FP, 1 into core [jnk0le]", "mixed"
        ),
        Cause(
            "repetition",
            "repetition: llvm-mca runs the block back to back (dependencies and pairing across "
            "the seam), simtiny prices one execution from ready inputs",
            "method",
        ),
        Cause("dropped", "branch/IT: simtiny prices the trailing branch and IT that llvm-mca is not given", "method"),
    )
}
UNEXPLAINED = "unexplained: no known rule difference in the instruction mix"

_HINTS = {"nop", "hint", "yield", "wfe", "wfi", "sev", "dmb", "dsb", "isb", "bkpt", "mrs", "msr", "clrex", "udf"}
_BITFIELD = {"sxtb", "sxth", "uxtb", "uxth", "ubfx", "sbfx", "bfi", "bfc"}
_FP_REG = re.compile(r"^[sd]\d+$")


@dataclass(frozen=True)
class Contribution:
    """How much of the gap one cause accounts for, estimated from the instruction mix."""

    key: str
    count: int  # instructions (or instruction pairs) showing it
    cycles: float  # llvm-mca minus simtiny cycles it explains (negative: llvm-mca lower)


@dataclass(frozen=True)
class Comparison:
    """One block priced by both models."""

    address: int
    instructions: int
    simtiny: int  # m7model.price_block: one execution, ready inputs
    simtiny_repeated: float | None  # simtiny on what llvm-mca runs: the kept block repeated back to back
    mca: float | None  # llvm-mca cycles per iteration; None when it could not price the block
    reason: str  # "" when the two agree within TOLERANCE
    causes: tuple[str, ...] = ()  # keys of CAUSES named in `reason`
    contributions: tuple[Contribution, ...] = ()
    assembly: str = ""
    rewrites: tuple[str, ...] = ()

    @property
    def ratio(self) -> float | None:
        """llvm-mca / simtiny (above 1: llvm-mca prices the block higher)."""
        if self.mca is None or not self.simtiny:
            return None
        return self.mca / self.simtiny

    @property
    def agrees(self) -> bool | None:
        if self.mca is None:
            return None
        return abs(self.mca - self.simtiny) <= TOLERANCE * self.simtiny


def compare_blocks(blocks: Iterable[tuple[bytes, int]], iterations: int = 100, workers: int = 2) -> list[Comparison]:
    """Price each (code, address) block with simtiny and llvm-mca; name the causes of any gap
    over TOLERANCE from the block's instruction mix (see CAUSES). Only the llvm-mca runs go to
    `workers` threads: a capstone handle is not thread-safe."""
    todo = [(code, address, translate(code, address)) for code, address in blocks]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        results = list(pool.map(lambda t: _run(t, iterations), [t for _, _, t in todo]))
    return [_compare(c, a, t, r) for (c, a, t), r in zip(todo, results, strict=True)]


def compare_block(code: bytes, address: int, iterations: int = 100) -> Comparison:
    return compare_blocks([(code, address)], iterations, workers=1)[0]


def _compare(
    code: bytes, address: int, translation: Translation | McaFailure, result: McaResult | McaFailure
) -> Comparison:
    price = m7model.price_block(code, address)
    if isinstance(result, McaFailure) or isinstance(translation, McaFailure):
        failure = result if isinstance(result, McaFailure) else translation
        assert isinstance(failure, McaFailure)
        return Comparison(
            address, price.instructions, price.cycles, None, None, failure.reason, assembly=failure.assembly
        )
    kept = m7model.price_block(translation.kept, address).cycles
    repeated = (m7model.price_block(translation.kept * 3, address).cycles - kept) / 2
    parts = contributions(m7model.decode(translation.kept, address), price.cycles, kept, repeated)
    gap = result.cycles - price.cycles
    reason, causes = _reason(parts, gap) if abs(gap) > TOLERANCE * price.cycles else ("", ())
    return Comparison(
        address,
        price.instructions,
        price.cycles,
        repeated,
        result.cycles,
        reason,
        causes,
        tuple(parts),
        result.assembly,
        result.rewrites,
    )


def _reason(parts: list[Contribution], gap: float) -> tuple[str, tuple[str, ...]]:
    """The causes that push in the gap's direction, largest first (two at most)."""
    same_way = [p for p in parts if p.cycles * gap > 0 and abs(p.cycles) >= 0.5]
    same_way.sort(key=lambda p: -abs(p.cycles))
    if not same_way:
        return UNEXPLAINED, ()
    top = same_way[:2]
    text = "; ".join(f"{CAUSES[p.key].text} (x{p.count})" for p in top)
    return text, tuple(p.key for p in top)


def contributions(insns: list[m7model.Insn], simtiny: int, kept: int, repeated: float) -> list[Contribution]:
    """Every cause present in a block (decoded as llvm-mca sees it) with its estimated share of
    the gap; `simtiny`, `kept`, `repeated`: simtiny's price of the block as run, of the kept
    instructions once, and per copy of the kept instructions repeated back to back."""
    out = [
        Contribution("dropped", 1, kept - simtiny),
        Contribution("repetition", 1, repeated - kept),
    ]
    for key, detector in _DETECTORS.items():
        count, cycles = detector(insns)
        if count:
            out.append(Contribution(key, count, cycles))
    return [c for c in out if c.cycles]


def _busy_extra(insns: list[m7model.Insn], kinds: set[int]) -> tuple[int, float]:
    hits = [i for i in insns if i.kind in kinds and i.busy > 1]
    return len(hits), -float(sum(i.busy - 1 for i in hits))


def _writes_base(i: m7model.Insn) -> bool:
    return any(r in i.address_regs for r in i.writes)


def _load_banks(insns: list[m7model.Insn]) -> tuple[int, float]:
    """Adjacent loads simtiny keeps apart (banks unknown or equal) that llvm-mca's two load ports pair."""
    loads = (m7model.LOAD, m7model.FP_LOAD)
    pairs, k = 0, 0
    while k + 1 < len(insns):
        a, b = insns[k], insns[k + 1]
        provable = a.bank is not None and b.bank is not None and a.bank[0] == b.bank[0] and a.bank[1] != b.bank[1]
        if (
            a.kind in loads
            and b.kind in loads
            and a.busy == b.busy == 1
            and not provable
            and not _writes_base(a)
            and not _writes_base(b)
            and b.latency >= a.latency
            and not set(a.writes) & set(b.reads)
        ):
            pairs += 1
            k += 2
        else:
            k += 1
    return pairs, -float(pairs)


def _last_write(i: m7model.Insn) -> int:
    """When the instruction's last result lands for llvm-mca's in-order issue stage, which orders
    every instruction's latency, a store's (WriteST: 2) included, not only register writes."""
    if i.kind in (m7model.STORE, m7model.STM, m7model.FP_STORE):
        return 2
    if i.kind in (m7model.LDM, m7model.DIV, m7model.FP_BLOCK):
        return 1  # LDM: WriteLd; divisions have causes of their own
    return i.latency if i.writes else 0


def _first_write(i: m7model.Insn) -> int | None:
    """When the instruction's first register result lands for llvm-mca (None: it writes none)."""
    if _writes_base(i):
        return 0  # M7BaseUpdate
    if not i.writes or i.kind in (m7model.STORE, m7model.STM, m7model.FP_STORE):
        return None
    return _last_write(i)


def _writeback_order(insns: list[m7model.Insn]) -> tuple[int, float]:
    """Pairs (the seam included: llvm-mca repeats the block) where the younger would write first."""
    count, cycles = 0, 0.0
    for a, b in zip(insns, insns[1:] + insns[:1], strict=True):
        first = _first_write(b)
        if first is None or set(a.writes) & set(b.reads) - {m7model.FLAGS}:
            continue  # nothing to order, or b waits for a's result anyway
        gap = _last_write(a) - first
        if gap >= 1:
            count += 1
            cycles += gap - 0.5
    return count, cycles


def _late_read(
    insns: list[m7model.Insn],
    consumer: Callable[[m7model.Insn], bool],
    operands: Callable[[m7model.Insn], list[int]],
) -> tuple[int, float]:
    """Consumers whose late-read operand comes from one of the two instructions before them."""
    count = 0
    for k, c in enumerate(insns):
        if not consumer(c):
            continue
        wanted = set(operands(c))
        for j in (k - 1, k - 2):
            if j < 0:
                break
            p = insns[j]
            if wanted & set(p.writes):
                if p.kind != m7model.MAC and p.latency >= k - j:
                    count += 1
                break
    return count, -float(count)


def _store_data(insns: list[m7model.Insn]) -> tuple[int, float]:
    stores = (m7model.STORE, m7model.FP_STORE)
    return _late_read(
        insns,
        lambda i: i.kind in stores,
        lambda i: [r for r in i.reads if r not in i.address_regs and r != m7model.FLAGS],
    )


def _accumulator(insns: list[m7model.Insn]) -> tuple[int, float]:
    return _late_read(
        insns, lambda i: i.kind == m7model.MAC and i.accumulator is not None, lambda i: [i.accumulator or 0]
    )


def _bitfield_slot(insns: list[m7model.Insn]) -> tuple[int, float]:
    hits = sum(1 for k, i in enumerate(insns) if i.name in _BITFIELD and k and insns[k - 1].kind == m7model.ALU)
    return hits, 0.5 * hits


def _narrow_flags(insns: list[m7model.Insn]) -> tuple[int, float]:
    """16-bit flag-setting ALU ops after an instruction they could pair with (not CMP/CMN/TST or a
    register MOVS, which llvm-mca pairs)."""
    hits = 0
    for k, i in enumerate(insns):
        plain_move = i.name in ("mov", "movs") and bool(i.reads)
        if (
            k
            and i.size == 2
            and m7model.FLAGS in i.writes
            and i.kind in (m7model.ALU, m7model.SHIFT)
            and i.name not in ("cmp", "cmn", "tst")
            and not plain_move
        ):
            hits += 1
    return hits, 0.5 * hits


def _hints(insns: list[m7model.Insn]) -> tuple[int, float]:
    hits = sum(1 for i in insns if i.name in _HINTS)
    return hits, 0.5 * hits


def _fp_divide(insns: list[m7model.Insn]) -> tuple[int, float]:
    hits = [i for i in insns if i.kind == m7model.FP_BLOCK]
    return len(hits), float(sum((14 if i.busy < 20 else 28) - i.busy for i in hits))


def _divide(insns: list[m7model.Insn]) -> tuple[int, float]:
    hits = sum(1 for i in insns if i.kind == m7model.DIV)
    return hits, -float(hits)


def _consumed_next(insns: list[m7model.Insn], k: int) -> bool:
    return k + 1 < len(insns) and bool(set(insns[k].writes) & set(insns[k + 1].reads))


def _fp_load(insns: list[m7model.Insn]) -> tuple[int, float]:
    hits = sum(1 for k, i in enumerate(insns) if i.kind == m7model.FP_LOAD and i.busy == 1 and _consumed_next(insns, k))
    return hits, -float(hits)


def _fp_move(insns: list[m7model.Insn]) -> tuple[int, float]:
    md = _disassembler()

    def crosses(i: m7model.Insn) -> bool:
        if i.name != "vmov":
            return False
        fp = [bool(_FP_REG.match(md.reg_name(r) or "")) for r in (*i.reads, *i.writes) if r != m7model.FLAGS]
        return any(fp) and not all(fp)

    hits = sum(1 for k, i in enumerate(insns) if crosses(i) and _consumed_next(insns, k))
    return hits, 2.0 * hits


_DETECTORS = {
    "ldm": lambda insns: _busy_extra(insns, {m7model.LDM, m7model.STM}),
    "ldrd": lambda insns: _busy_extra(insns, {m7model.LOAD, m7model.STORE, m7model.FP_LOAD, m7model.FP_STORE}),
    "load_banks": _load_banks,
    "writeback_order": _writeback_order,
    "store_data": _store_data,
    "accumulator": _accumulator,
    "bitfield_slot": _bitfield_slot,
    "narrow_flags": _narrow_flags,
    "hint": _hints,
    "fp_divide": _fp_divide,
    "divide": _divide,
    "fp_load": _fp_load,
    "fp_move": _fp_move,
}
