"""Seeded random Thumb-2 test programs for differential simulation (tests/test_differential.py).

`generate(seed, cases)` writes a C file whose top-level assembly holds `cases` functions, each a
random body of IT blocks under every condition and IT AL (then/else slots holding loads and
stores of every width and addressing mode, LDM/STM, VLDR/VSTM, DSP, single- and
double-precision VFP, compares, a conditional PUSH/POP pair, a conditional branch as the last
slot), forward branches and CBZ/CBNZ that end translated blocks, balanced PUSH/POP, and in
every 8th case an IT block cut by a 4 KB page boundary. main() calls every case on its own
input state (r0-r12, APSR, s0-s15, FPSCR) and the case stores its final state to `diff_out`;
loads and stores go to the case's own 2 KB of `diff_mem`. The host reads both back.

Register roles keep every address inside the case's buffer: r0-r4, r11, r12 hold data; r6-r9
are base pointers set by the case's prologue and changed only by write-back (bounded); r5 and
r10 are indexes, written only by `and` with a small mask.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass, field

CONDS = ("eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le")
INVERSE = {c: CONDS[i ^ 1] for i, c in enumerate(CONDS)}
DATA = ("r0", "r1", "r2", "r3", "r4", "r11", "r12")
LOW_DATA = ("r0", "r1", "r2", "r3", "r4")
BASES = ("r6", "r7", "r8", "r9")
LOW_BASES = ("r6", "r7")
BASE_OFFSETS = {"r6": 896, "r7": 1152, "r8": 1024, "r9": 960}  # in the case's buffer
MEM_BYTES = 2048  # per case
DRIFT = 384  # most bytes write-back may move a base, each way
STATE_WORDS = 32  # r0-r12, APSR, s0-s15, FPSCR, pad
FRAME = 64  # bytes of stack the body may use ([sp, #0..60])
PAGE_SPLIT_EVERY = 8  # every 8th case has an IT block cut by a page boundary

ALU3 = ("add", "sub", "adc", "sbc", "and", "orr", "eor", "bic", "orn", "rsb")
SHIFTS = ("lsl", "lsr", "asr", "ror")
DSP3 = (
    "qadd", "qsub", "qdadd", "qdsub", "sadd16", "ssub16", "sasx", "ssax", "sadd8", "ssub8",
    "uadd16", "usub16", "uasx", "usax", "uadd8", "usub8", "qadd16", "qsub16", "qadd8", "qsub8",
    "uqadd16", "uqsub8", "shadd16", "shsub8", "uhadd8", "uhsub16", "sel", "usad8", "smulbb",
    "smulbt", "smultb", "smultt", "smulwb", "smulwt", "smuad", "smuadx", "smusd", "smusdx",
    "smmul", "smmulr", "mul", "sdiv", "udiv",
)  # fmt: skip
DSP4 = (
    "smlabb", "smlabt", "smlatb", "smlatt", "smlawb", "smlawt", "smlad", "smladx", "smlsd",
    "smlsdx", "smmla", "smmlar", "smmls", "smmlsr", "usada8", "mla", "mls",
)  # fmt: skip
LONG = ("smull", "umull", "smlal", "umlal", "smlalbb", "smlaltt", "smlald", "smlaldx", "smlsld", "umaal")
UNARY = ("clz", "rbit", "rev", "rev16", "revsh", "sxtb", "sxth", "uxtb", "uxth", "sxtb16", "uxtb16")
EXTEND_ADD = ("sxtab", "sxtah", "uxtab", "uxtah", "sxtab16", "uxtab16")
VFP3 = ("vadd.f32", "vsub.f32", "vmul.f32", "vnmul.f32", "vdiv.f32", "vfma.f32", "vfms.f32",
        "vfnma.f32", "vfnms.f32", "vmla.f32", "vmls.f32", "vnmla.f32")  # fmt: skip
VFP2 = ("vneg.f32", "vabs.f32", "vsqrt.f32", "vmov.f32", "vcvt.s32.f32", "vcvt.u32.f32",
        "vcvt.f32.s32", "vcvt.f32.u32", "vcvtr.s32.f32", "vcvtb.f32.f16", "vcvtt.f16.f32")  # fmt: skip
VFP_UNCOND = ("vmaxnm.f32", "vminnm.f32", "vseleq.f32", "vselgt.f32", "vselge.f32", "vselvs.f32")
VFP_ROUND = ("vrinta.f32", "vrintn.f32", "vrintp.f32", "vrintm.f32")
LOADS = {"ldr": 4, "ldrh": 2, "ldrsh": 2, "ldrb": 1, "ldrsb": 1}
STORES = {"str": 4, "strh": 2, "strb": 1}


def modified_immediate(rng: random.Random) -> int:
    """A constant Thumb-2 data-processing instructions can encode."""
    v = rng.randrange(1, 256)
    kind = rng.randrange(5)
    if kind == 0:
        return v
    if kind == 1:
        return v * 0x00010001
    if kind == 2:
        return v * 0x01000100
    if kind == 3:
        return v * 0x01010101
    rot = rng.randrange(8, 32)
    x = 0x80 | (v & 0x7F)
    return ((x >> rot) | (x << (32 - rot))) & 0xFFFFFFFF


@dataclass
class _Case:
    """Generation state of one case: the body so far and how far each base may still move."""

    index: int
    rng: random.Random
    lines: list[str] = field(default_factory=list)
    drift: dict[str, int] = field(default_factory=lambda: {b: 0 for b in BASES})
    labels: int = 0

    def label(self) -> str:
        self.labels += 1
        return f".Ldiff_{self.index}_{self.labels}"


class Generator:
    """Random instructions for one case; every method returns assembly lines for one slot."""

    def __init__(self, case: _Case) -> None:
        self.c = case
        self.rng = case.rng

    # ----- operands ---------------------------------------------------------------------------
    def d(self) -> str:
        return self.rng.choice(DATA)

    def low(self) -> str:
        return self.rng.choice(LOW_DATA)

    def two_distinct(self) -> tuple[str, str]:
        a, b = self.rng.sample(DATA, 2)
        return a, b

    def base(self, low: bool = False) -> str:
        return self.rng.choice(LOW_BASES if low else BASES)

    def reserve(self, b: str, amount: int) -> bool:
        """Take `amount` bytes of base b's write-back allowance; False when it is spent."""
        if self.c.drift[b] + amount > DRIFT:
            return False
        self.c.drift[b] += amount
        return True

    def step(self, b: str, size: int) -> int | None:
        """A write-back step for base b (a multiple of 4, at least `size`), or None when spent."""
        amount = max(self.rng.choice((4, 8, 16, 32)), (size + 3) // 4 * 4)
        if not self.reserve(b, amount):
            return None
        return amount if self.rng.random() < 0.5 else -amount

    def offset(self, size: int, unaligned_ok: bool) -> int:
        if unaligned_ok and self.rng.random() < 0.15:
            return self.rng.randrange(-255, 253)
        return self.rng.randrange(-(255 // size), 253 // size) * size  # within -255..252

    # ----- instruction kinds: (cond) -> lines -------------------------------------------------
    def alu(self, c: str) -> str:
        rng = self.rng
        s = "s" if rng.random() < 0.4 else ""
        kind = rng.randrange(8)
        if kind == 0:
            return f"{rng.choice(ALU3)}{s}{c} {self.d()}, {self.d()}, {self.d()}"
        if kind == 1:
            sh = rng.choice(SHIFTS)
            return f"{rng.choice(ALU3)}{s}{c} {self.d()}, {self.d()}, {self.d()}, {sh} #{rng.randrange(1, 32)}"
        if kind == 2:
            return f"{rng.choice(ALU3)}{s}{c} {self.d()}, {self.d()}, #{modified_immediate(rng)}"
        if kind == 3:
            return f"{rng.choice(SHIFTS)}{s}{c} {self.d()}, {self.d()}, {self.d()}"
        if kind == 4:
            sh = rng.choice(SHIFTS)
            return f"{sh}{s}{c} {self.d()}, {self.d()}, #{rng.randrange(1, 32 if sh in ('lsl', 'ror') else 33)}"
        if kind == 5:
            op = rng.choice(("mov", "mvn"))
            src = self.d() if rng.random() < 0.5 else f"#{modified_immediate(rng)}"
            return f"{op}{s}{c} {self.d()}, {src}"
        if kind == 6:
            return f"{rng.choice(('movw', 'movt'))}{c} {self.d()}, #{rng.randrange(65536)}"
        op = rng.choice(("cmp", "cmn", "tst", "teq"))
        src = self.d() if rng.random() < 0.5 else f"#{modified_immediate(rng)}"
        return f"{op}{c} {self.d()}, {src}"

    def dsp(self, c: str) -> str:
        rng = self.rng
        kind = rng.randrange(8)
        if kind == 0:
            return f"{rng.choice(DSP3)}{c} {self.d()}, {self.d()}, {self.d()}"
        if kind == 1:
            return f"{rng.choice(DSP4)}{c} {self.d()}, {self.d()}, {self.d()}, {self.d()}"
        if kind == 2:
            lo, hi = self.two_distinct()
            return f"{rng.choice(LONG)}{c} {lo}, {hi}, {self.d()}, {self.d()}"
        if kind == 3:
            op = rng.choice(UNARY)
            rot = rng.choice(("", ", ror #8", ", ror #16", ", ror #24")) if "xt" in op else ""
            return f"{op}{c} {self.d()}, {self.d()}{rot}"
        if kind == 4:
            return f"{rng.choice(EXTEND_ADD)}{c} {self.d()}, {self.d()}, {self.d()}, ror #{rng.choice((0, 8, 16, 24))}"
        if kind == 5:
            op = rng.choice(("ssat", "usat"))
            sat = rng.randrange(1, 33) if op == "ssat" else rng.randrange(0, 32)
            sh = rng.choice(("", f", lsl #{rng.randrange(1, 32)}", f", asr #{rng.randrange(1, 32)}"))
            if rng.random() < 0.3:
                op16 = op + "16"
                sat16 = rng.randrange(1, 17) if op == "ssat" else rng.randrange(0, 16)
                return f"{op16}{c} {self.d()}, #{sat16}, {self.d()}"
            return f"{op}{c} {self.d()}, #{sat}, {self.d()}{sh}"
        if kind == 6:
            lsb = rng.randrange(32)
            width = rng.randrange(1, 33 - lsb)
            op = rng.choice(("bfi", "ubfx", "sbfx", "bfc"))
            if op == "bfc":
                return f"bfc{c} {self.d()}, #{lsb}, #{width}"
            return f"{op}{c} {self.d()}, {self.d()}, #{lsb}, #{width}"
        op = rng.choice(("pkhbt", "pkhtb"))
        sh = rng.randrange(1, 32)
        return f"{op}{c} {self.d()}, {self.d()}, {self.d()}, {'lsl' if op == 'pkhbt' else 'asr'} #{sh}"

    def vfp(self, c: str, in_it: bool) -> str:
        rng = self.rng

        def s() -> str:
            return f"s{rng.randrange(16)}"

        kind = rng.randrange(7 if in_it else 9)
        if kind == 0:
            return f"{rng.choice(VFP3).replace('.', c + '.', 1)} {s()}, {s()}, {s()}"
        if kind == 1:
            op = rng.choice(VFP2)
            return f"{op.replace('.', c + '.', 1)} {s()}, {s()}"
        if kind == 2:
            op = rng.choice(("vcmp.f32", "vcmpe.f32")).replace(".", c + ".", 1)
            second = s() if rng.random() < 0.7 else "#0"
            return f"{op} {s()}, {second}"
        if kind == 3:
            return f"vmov{c} {s()}, {self.d()}" if rng.random() < 0.5 else f"vmov{c} {self.d()}, {s()}"
        if kind == 4:
            imm = rng.choice(("1.0", "-2.0", "0.5", "31.0", "-0.125", "1.9375"))
            return f"vmov{c}.f32 {s()}, #{imm}"
        if kind == 5:  # FPSCR to a register, or its flags to APSR
            return f"vmrs{c} {self.d() if rng.random() < 0.4 else 'APSR_nzcv'}, fpscr"
        if kind == 6:  # fixed point: the source is the destination
            r = s()
            op = rng.choice(("vcvt.f32.s32", "vcvt.s32.f32", "vcvt.f32.u16", "vcvt.u16.f32"))
            return f"{op.replace('.', c + '.', 1)} {r}, {r}, #{rng.randrange(1, 17)}"
        if kind == 7:  # ARMv8 forms, never conditional
            op = rng.choice(VFP_UNCOND + VFP_ROUND)
            return f"{op} {s()}, {s()}, {s()}" if op in VFP_UNCOND else f"{op} {s()}, {s()}"
        op = rng.choice(("vadd.f64", "vmul.f64", "vsub.f64", "vdiv.f64"))  # simtiny's own FPU code
        return f"{op} d{rng.randrange(8)}, d{rng.randrange(8)}, d{rng.randrange(8)}"

    def load_store(self, c: str) -> str:
        rng = self.rng
        kind = rng.randrange(10)
        store = rng.random() < 0.45
        table = STORES if store else LOADS
        op = rng.choice(list(table))
        size = table[op]
        if kind <= 2:  # immediate offset (16-bit forms when the registers and offset allow)
            low = rng.random() < 0.5
            b = self.base(low)
            rt = self.low() if low else self.d()
            off = rng.randrange(0, 32) * size if low else self.offset(size, size > 1)
            return f"{op}{c} {rt}, [{b}, #{off}]"
        if kind == 3:  # pre-indexed with write-back
            b = self.base()
            step = self.step(b, size)
            if step is None:
                return f"{op}{c} {self.d()}, [{b}, #{self.offset(size, False)}]"
            return f"{op}{c} {self.d()}, [{b}, #{step}]!"
        if kind == 4:  # post-indexed
            b = self.base()
            step = self.step(b, size)
            if step is None:
                return f"{op}{c} {self.d()}, [{b}]"
            return f"{op}{c} {self.d()}, [{b}], #{step}"
        if kind == 5:  # register offset: 32-bit with a shift, or 16-bit low registers
            if rng.random() < 0.5:
                return f"{op}{c} {self.d()}, [{self.base()}, r10, lsl #{rng.randrange(4)}]"
            return f"{op}{c} {self.low()}, [{self.base(True)}, r5]"
        if kind == 6:  # doubleword
            b = self.base()
            rt, rt2 = self.two_distinct()
            dop = "strd" if store else "ldrd"
            mode = rng.randrange(3)
            step = self.step(b, 8) if mode else None
            if step is None:
                return f"{dop}{c} {rt}, {rt2}, [{b}, #{rng.randrange(-63, 63) * 4}]"
            if mode == 1:
                return f"{dop}{c} {rt}, {rt2}, [{b}, #{step}]!"
            return f"{dop}{c} {rt}, {rt2}, [{b}], #{step}"
        if kind == 7:  # multiple
            return self.multiple(c, store)
        if kind == 8:  # the stack frame
            rt = self.low()
            return f"{'str' if store else 'ldr'}{c} {rt}, [sp, #{rng.randrange(16) * 4}]"
        return self.fp_memory(c, store)

    def multiple(self, c: str, store: bool) -> str:
        rng = self.rng
        if rng.random() < 0.3:  # 16-bit: low base with write-back, low registers
            b = self.base(True)
            regs = sorted(rng.sample(LOW_DATA, rng.randrange(1, 5)), key=lambda r: int(r[1:]))
            if not self.reserve(b, 4 * len(regs)):
                return f"{'str' if store else 'ldr'}{c} {regs[0]}, [{b}]"
            return f"{'stm' if store else 'ldm'}ia{c} {b}!, {{{', '.join(regs)}}}"
        b = self.base()
        regs = sorted(rng.sample(DATA, rng.randrange(2, 6)), key=lambda r: int(r[1:]))
        direction = rng.choice(("ia", "db"))
        back = ""
        if rng.random() < 0.5 and self.reserve(b, 4 * len(regs)):
            back = "!"
        op = "stm" if store else "ldm"
        return f"{op}{direction}{c} {b}{back}, {{{', '.join(regs)}}}"

    def fp_memory(self, c: str, store: bool) -> str:
        rng = self.rng
        b = self.base()
        if rng.random() < 0.6:
            op = "vstr" if store else "vldr"
            return f"{op}{c} s{rng.randrange(16)}, [{b}, #{rng.randrange(-63, 63) * 4}]"
        first = rng.randrange(15)
        last = rng.randrange(first, min(16, first + 4))
        regs = f"{{s{first}-s{last}}}" if last > first else f"{{s{first}}}"
        n = last - first + 1
        if rng.random() < 0.5 and self.reserve(b, 4 * n):
            direction = rng.choice(("ia", "db"))
            return f"{'vstm' if store else 'vldm'}{direction}{c} {b}!, {regs}"
        return f"{'vstm' if store else 'vldm'}ia{c} {b}, {regs}"

    def index(self, c: str) -> str:
        if self.rng.random() < 0.5:
            return f"and{c} r10, {self.d()}, #0x3c"
        return f"and{c} r5, {self.d()}, #0xfc"

    def slot(self, c: str, in_it: bool) -> str:
        """One instruction of any kind (conditional when c is a condition)."""
        roll = self.rng.random()
        if roll < 0.40:
            return self.load_store(c)
        if roll < 0.60:
            return self.alu(c)
        if roll < 0.75:
            return self.dsp(c)
        if roll < 0.90:
            return self.vfp(c, in_it)
        return self.index(c)


def _it_block(gen: Generator, case: _Case, skip_to: str | None) -> list[str]:
    """An IT block: 1-4 slots, then/else under one condition; a branch may end it."""
    rng = gen.rng
    if rng.random() < 0.05:  # IT AL (assemblers refuse to write it): unconditional slots
        n = rng.randrange(1, 5)
        lines = [f".short 0x{0xBFE0 | 1 << (4 - n):04x}"]
        lines += [gen.slot("", True) for _ in range(n)]
        return lines
    cond = rng.choice(CONDS)
    n = rng.randrange(1, 5)
    pattern = "".join(rng.choice("te") for _ in range(n - 1))
    if rng.random() < 0.05:  # a conditional PUSH/POP pair (nothing between them sets flags)
        regs = sorted(rng.sample(LOW_DATA, 2), key=lambda r: int(r[1:]))
        out = sorted(rng.sample(LOW_DATA, 2), key=lambda r: int(r[1:]))
        return [f"itt {cond}", f"push{cond} {{{', '.join(regs)}}}", f"pop{cond} {{{', '.join(out)}}}"]
    conds = [cond] + [cond if p == "t" else INVERSE[cond] for p in pattern]
    lines = [f"it{pattern} {cond}"]
    for i, c in enumerate(conds):
        if i == n - 1 and skip_to and rng.random() < 0.3:
            lines.append(f"b{c}.w {skip_to}")
        else:
            lines.append(gen.slot(c, True))
    return lines


def _items(gen: Generator, case: _Case, count: int) -> list[str]:
    rng = gen.rng
    lines: list[str] = []
    while count > 0:
        roll = rng.random()
        if roll < 0.40:
            target = case.label()
            lines += _it_block(gen, case, target)
            lines.append(f"{target}:")
            count -= 3
        elif roll < 0.52:  # a forward branch over a few items: ends the translated block
            target = case.label()
            kind = rng.randrange(3)
            if kind == 0:
                lines.append(f"b{rng.choice(CONDS)}.w {target}")
            elif kind == 1:
                lines.append(f"{rng.choice(('cbz', 'cbnz'))} {gen.low()}, {target}")
            else:
                lines.append(f"b.w {target}" if rng.random() < 0.3 else f"b{rng.choice(CONDS)} {target}")
            inner = rng.randrange(0, 3)
            if inner:
                lines += _items(gen, case, inner)
            if kind == 1 and not inner:
                lines.append("nop")  # CBZ cannot branch to the next instruction
            lines.append(f"{target}:")
            count -= 2
        elif roll < 0.55:  # balanced PUSH/POP around a little work
            n = rng.randrange(1, 4)
            regs = sorted(rng.sample(DATA, n), key=lambda r: int(r[1:]))
            out = sorted(rng.sample(DATA, n), key=lambda r: int(r[1:]))
            lines.append(f"push {{{', '.join(regs)}}}")
            lines.append(gen.alu(""))
            lines.append(f"pop {{{', '.join(out)}}}")
            count -= 3
        else:
            lines.append(gen.slot("", False))
            count -= 1
    return lines


def _page_split(gen: Generator, case: _Case) -> list[str]:
    """An IT block that a 4 KB page boundary cuts after the IT instruction: QEMU ends a
    translated block at the page's end, so the next one starts inside the IT block. Its three
    loads (then, else, then) make one of them run whatever the flags; a branch ends the block,
    and four adds follow, some of which a stale IT state would make conditional."""
    rng = gen.rng
    start, tail = case.label(), case.label()
    cond = rng.choice(CONDS)
    loads = []
    for c in (cond, INVERSE[cond], cond):
        line = gen.load_store(c)
        while not line.startswith(("ldr", "ldm", "vldr", "vldm")):
            line = gen.load_store(c)
        loads.append(line)
    return [
        f"b.w {start}",
        ".p2align 12",
        ".space 4094",
        f"{start}:",
        f"itet {cond}",
        *loads,
        f"b.w {tail}",
        f"{tail}:",
        *[f"add.w {r}, {r}, #{i + 1}" for i, r in enumerate(("r0", "r1", "r2", "r3"))],
    ]


def _checkpoint(k: int) -> list[str]:
    """Case k's registers, APSR, s0-s15 and FPSCR into diff_mid, in diff_out's layout, leaving
    every register, flag and the stack pointer as they were (no literal pool: movw/movt)."""
    return [
        "push {r0, r1}",
        f"movw r0, #:lower16:diff_mid + {4 * k * STATE_WORDS}",
        f"movt r0, #:upper16:diff_mid + {4 * k * STATE_WORDS}",
        "ldr.w r1, [sp]",
        "str.w r1, [r0]",
        "ldr.w r1, [sp, #4]",
        "str.w r1, [r0, #4]",
        "add.w r0, r0, #8",
        "stmia.w r0!, {r2-r12}",
        "mrs r1, APSR",
        "str.w r1, [r0], #4",
        "vstmia r0!, {s0-s15}",
        "vmrs r1, fpscr",
        "str.w r1, [r0]",
        "pop {r0, r1}",
    ]


def _case_asm(case: _Case, length: int, checkpoint: bool = False) -> list[str]:
    gen = Generator(case)
    k = case.index
    body = _items(gen, case, length // 2)
    if checkpoint:
        body += _checkpoint(k)
    if k % PAGE_SPLIT_EVERY == 0:
        body += _page_split(gen, case)
    body += _items(gen, case, length - length // 2)
    mem = f"diff_mem + {k * MEM_BYTES}"
    pool = case.label()
    return [
        "\t.p2align 2",
        f"\t.global diff_case_{k}",
        f"\t.type diff_case_{k}, %function",
        "\t.thumb_func",
        f"diff_case_{k}:",
        "\tpush {r4-r11, lr}",
        f"\tsub sp, sp, #{FRAME}",
        "\tldr r2, =diff_outp",
        "\tstr r1, [r2]",
        "\tadd r1, r0, #56",
        "\tvldmia r1, {s0-s15}",
        "\tldr r1, [r0, #120]",
        "\tvmsr fpscr, r1",
        "\tldr r1, [r0, #52]",
        "\tmsr APSR_nzcvqg, r1",
        "\tldmia r0, {r0-r12}",
        *[f"\tldr {b}, ={mem} + {BASE_OFFSETS[b]}" for b in BASES],
        f"\tb.w {pool}",
        "\t.ltorg",  # the prologue's constants, before any page padding
        f"{pool}:",
        *[f"\t{line}" if not line.endswith(":") else line for line in body],
        "\tpush {r0}",
        "\tmrs r0, APSR",
        "\tpush {r0}",
        "\tldr r0, =diff_outp",
        "\tldr r0, [r0]",
        "\tadds r0, r0, #4",
        "\tstmia r0!, {r1-r12}",
        "\tpop {r1, r2}",
        "\tstr r1, [r0]",
        "\tstr r2, [r0, #-52]",
        "\tadds r0, r0, #4",
        "\tvstmia r0!, {s0-s15}",
        "\tvmrs r1, fpscr",
        "\tstr r1, [r0]",
        f"\tadd sp, sp, #{FRAME}",
        "\tpop {r4-r11, pc}",
        "\t.ltorg",
    ]


def _state(rng: random.Random) -> list[int]:
    """A random input state; r5/r10 start as valid indexes, r6-r9 are set by the prologue."""

    def word() -> int:
        roll = rng.random()
        if roll < 0.15:
            return rng.choice((0, 1, 0xFFFFFFFF, 0x80000000, 0x7FFFFFFF, 0x8000, 0x7FFF, 0xFF))
        if roll < 0.3:
            return rng.randrange(-300, 300) & 0xFFFFFFFF
        return rng.getrandbits(32)

    def fp() -> int:
        roll = rng.random()
        if roll < 0.6:
            return struct.unpack("<I", struct.pack("<f", rng.uniform(-1e4, 1e4)))[0]
        if roll < 0.75:
            return rng.choice((0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x00000001, 0x3F800000))
        return rng.getrandbits(32)

    regs = [word() for _ in range(13)]
    regs[5] &= 0xFC
    regs[10] &= 0x3C
    apsr = rng.getrandbits(5) << 27 | rng.getrandbits(4) << 16
    fpscr = rng.choice((0, 0x00C00000, 0x03000000, 0x01000000)) | rng.getrandbits(4) << 28
    return [*regs, apsr, *[fp() for _ in range(16)], fpscr, 0]


@dataclass(frozen=True)
class Program:
    """A generated test program: the C source and its shape."""

    seed: int
    cases: int
    source: str


# Prints case k's final state and its 2 KB of memory as one line of hex words: "k: s0 s1 ... | m0 m1 ...".
PRINTER = """
static void put_words(const uint32_t *words, unsigned n) {{
    static const char hex[] = "0123456789abcdef";
    char text[9 * 16 + 1];
    while (n) {{
        unsigned chunk = n < 16u ? n : 16u;
        for (unsigned i = 0; i < chunk; i++) {{
            for (unsigned d = 0; d < 8; d++) text[9 * i + d] = hex[(words[i] >> (28 - 4 * d)) & 0xFu];
            text[9 * i + 8] = ' ';
        }}
        text[9 * chunk] = 0;
        simtiny_semihost_puts(text);
        words += chunk;
        n -= chunk;
    }}
}}

static void print_state(void) {{
    for (unsigned k = 0; k < {cases}u; k++) {{
        char label[8] = {{(char)('0' + k / 100u % 10u), (char)('0' + k / 10u % 10u),
                          (char)('0' + k % 10u), ':', ' ', 0}};
        if ({checkpoints}) {{  /* the state halfway through the case, then at its end */
            label[3] = '>';
            simtiny_semihost_puts(label);
            put_words(diff_mid + k * {state_words}u, {state_words}u);
            simtiny_semihost_puts("\\n");
            label[3] = ':';
        }}
        simtiny_semihost_puts(label);
        put_words(diff_out + k * {state_words}u, {state_words}u);
        simtiny_semihost_puts("| ");
        put_words(diff_mem + k * {mem_words}u, {mem_words}u);
        simtiny_semihost_puts("\\n");
    }}
}}
"""


def generate(
    seed: int, cases: int = 32, length: int = 40, print_state: bool = False, checkpoints: bool = False
) -> Program:
    """A C file with `cases` random cases of about `length` instructions each. With print_state,
    main() also prints every case's final state and memory in hex through semihosting: one line
    per case. With checkpoints, each case also saves its state halfway through (into diff_mid),
    and print_state prints that first, on a line of its own ("k> ...")."""
    rng = random.Random(seed)
    asm: list[str] = ["\t.syntax unified", "\t.thumb", "\t.text"]
    states: list[int] = []
    for k in range(cases):
        case = _Case(k, random.Random(rng.getrandbits(64)))
        asm += _case_asm(case, length, checkpoints)
        states += _state(rng)
    memory = bytes(rng.getrandbits(8) for _ in range(cases * MEM_BYTES))
    c_asm = "\n".join(f'    "{line}\\n"' for line in asm)
    words = ",".join(f"0x{w:08x}u" for w in states)
    mem_words = ",".join(f"0x{w:08x}u" for w in struct.unpack(f"<{len(memory) // 4}I", memory))
    calls = "\n".join(
        f"    diff_case_{k}(diff_in + {k * STATE_WORDS}, diff_out + {k * STATE_WORDS});" for k in range(cases)
    )
    decls = "\n".join(f"void diff_case_{k}(const uint32_t *in, uint32_t *out);" for k in range(cases))
    printer = PRINTER.format(
        cases=cases, state_words=STATE_WORDS, mem_words=MEM_BYTES // 4, checkpoints=int(checkpoints)
    )
    source = f"""/* Generated by tests/support/thumbgen.py (seed {seed}): random Thumb-2 cases. */
#include "simtiny_hal.h"

const uint32_t diff_in[{cases * STATE_WORDS}] = {{{words}}};
uint32_t diff_out[{cases * STATE_WORDS}];
uint32_t diff_mid[{cases * STATE_WORDS if checkpoints else 1}];
uint32_t diff_mem[{cases * MEM_BYTES // 4}] __attribute__((aligned(32))) = {{{mem_words}}};
uint32_t *diff_outp;

{decls}

__asm__(
{c_asm}
);

{printer if print_state else ""}
int main(void) {{
    simtiny_caches_enable();
{calls}
{"    print_state();" if print_state else ""}
    return 0;
}}
"""
    return Program(seed, cases, source)
