"""Cortex-M7 pipeline model: prices one basic block once, statically (capstone decodes it).

An in-order, dual-issue pipeline: each instruction issues at the first cycle at which its
operands are ready and, if it shares a cycle with the previous instruction, the pair obeys the
M7's pairing rules (one shifter, one MAC unit, DSP ops alone in the older slot, two stores never,
two loads only from different 32-bit banks, LDM/STM/division alone). Branch prediction and the
memory system are dynamic and are added by the engine's counter (m7timing has every constant).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import capstone
from capstone import arm_const as arm

from simtiny.sim.timing import BlockCost
from simtiny.sim.timing import m7timing as T

ALU, SHIFT, DSP, MAC, DIV, LOAD, STORE, LDM, STM, BRANCH, FP, FP_BLOCK, FP_LOAD, FP_STORE = range(14)

_SHIFT = {"rrx"}  # plus any data-processing op with a shifted register operand
_PLAIN_SHIFTS = {"lsl", "lsr", "asr", "ror"}  # [J] constant shifts pair with each other
_EXTEND = {"ubfx", "sbfx", "bfi", "bfc", "sxtb", "sxth", "uxtb", "uxth"}  # [J] older slot only
_DSP = {
    "sxtb16", "sxtab16", "uxtb16", "uxtab16", "pkhbt", "pkhtb", "sxtab", "sxtah", "uxtab", "uxtah",
    "sadd16", "ssub16", "sadd8", "ssub8", "sasx", "ssax", "uadd16", "usub16", "uadd8", "usub8",
    "uasx", "usax", "shadd16", "shsub16", "shadd8", "shsub8", "uhadd16", "uhsub16", "uhadd8",
    "uhsub8", "qadd16", "qsub16", "qadd8", "qsub8", "qasx", "qsax", "uqadd16", "uqsub16", "uqadd8",
    "uqsub8", "sel", "usad8", "usada8", "rev", "rev16", "revsh", "rbit", "clz",
}
_EARLY_ALL = {"sbfx", "ubfx", "rbit", "rev", "rev16", "revsh"}  # [J] execute in the early ALU
_EARLY_EXTRACTED = {"sxtab", "sxtah", "sxtab16", "uxtab", "uxtah", "uxtab16"}  # [J] Rm read early
_SATURATING = {"qadd", "qsub", "qdadd", "qdsub", "ssat", "usat", "ssat16", "usat16"}
_MAC = {
    "mul", "mla", "mls", "smull", "umull", "smlal", "umlal", "umaal", "smlabb", "smlabt", "smlatb",
    "smlatt", "smlawb", "smlawt", "smlad", "smladx", "smlsd", "smlsdx", "smlald", "smlaldx",
    "smlsld", "smlsldx", "smlalbb", "smlalbt", "smlaltb", "smlaltt", "smuad", "smuadx", "smusd",
    "smusdx", "smulbb", "smulbt", "smultb", "smultt", "smulwb", "smulwt", "smmul", "smmulr",
    "smmla", "smmlar", "smmls", "smmlsr",
}
_ACCUMULATING = {n for n in _MAC if n.startswith(("mla", "mls", "sml", "uml", "umaal", "smm" + "la"))}
_LOADS = {"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrex", "ldrexb", "ldrexh", "ldrt", "ldrbt",
          "ldrht", "ldrsbt", "ldrsht", "ldrd", "pld", "pli"}
_STORES = {"str", "strb", "strh", "strex", "strexb", "strexh", "strt", "strbt", "strht", "strd"}
_LDM = {"ldm", "ldmdb", "pop", "vldmia", "vldmdb", "vpop"}
_STM = {"stm", "stmdb", "push", "vstmia", "vstmdb", "vpush"}
_BRANCH = {"b", "bl", "bx", "blx", "cbz", "cbnz", "tbb", "tbh"}
_FP_FUSED = {"vfma", "vfms", "vfnma", "vfnms"}
_NARROW_LOADS = {"ldrb", "ldrh", "ldrsb", "ldrsh", "ldrexb", "ldrexh", "ldrbt", "ldrht", "ldrsbt", "ldrsht"}

FLAGS = -1  # pseudo-register for the APSR flags


@dataclass
class Insn:
    """What the pipeline model needs of one instruction."""

    address: int
    size: int
    name: str
    kind: int
    reads: tuple[int, ...]
    writes: tuple[int, ...]
    latency: int
    busy: int = 1  # cycles it keeps the issue stage (LDM/STM/division)
    address_regs: tuple[int, ...] = ()  # registers used to form a memory address
    shifted_regs: tuple[int, ...] = ()  # registers used as a shifted operand
    accumulator: int | None = None  # accumulator register, read late (MAC, VFMA)
    accumulate_latency: int | None = None  # when its result feeds an accumulator: this, not `latency`
    bank: tuple[int, int] | None = None  # (base register, word offset) of a load/store
    branch_target: int | None = None
    conditional_branch: bool = False
    writeback: int | None = None  # base register updated by a pre/post-indexed access
    store_data: tuple[int, ...] = ()  # registers a store writes to memory (read late [J])


@cache
def _disassembler() -> capstone.Cs:
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = True
    return md


def _changes_flow(insn: capstone.CsInsn) -> bool:
    """A branch, a write to the PC, or an exception (SVC, BKPT, UDF): where a basic block ends."""
    _reads, writes = insn.regs_access()
    groups = (capstone.CS_GRP_JUMP, capstone.CS_GRP_CALL, capstone.CS_GRP_INT, capstone.CS_GRP_RET)
    return arm.ARM_REG_PC in writes or any(insn.group(g) for g in groups) or insn.mnemonic in ("bkpt", "udf", "wfi")


def straight_run(code: bytes, address: int) -> int:
    """Bytes of code from its start up to and including the first instruction that may change
    the flow (_changes_flow), or as many as capstone decodes: how far a basic block goes."""
    offset = 0
    for insn in _disassembler().disasm(code, address):
        offset += insn.size
        if _changes_flow(insn):
            return offset
    return offset


def falls_through(code: bytes, address: int) -> bool:
    """Whether the block runs straight on past its end: capstone decodes all of it and no
    instruction of it may change the flow (_changes_flow)."""
    offset = 0
    for insn in _disassembler().disasm(code, address):
        if _changes_flow(insn):
            return False
        offset += insn.size
    return offset == len(code)


def decode(code: bytes, address: int) -> list[Insn]:
    """Decode a block; bytes capstone does not know become one-cycle ALU placeholders."""
    out: list[Insn] = []
    offset = 0
    md = _disassembler()
    while offset < len(code):
        for decoded in md.disasm(code[offset:], address + offset):  # in one pass: IT state kept
            out.append(_classify(decoded))
            offset += decoded.size
        if offset < len(code):  # capstone stopped at bytes it does not know
            size = 4 if (code[offset + 1] >> 3) in (0b11101, 0b11110, 0b11111) and offset + 3 < len(code) else 2
            out.append(Insn(address + offset, size, "?", ALU, (), (), T.LAT_ALU))
            offset += size
    return out


def _classify(i: capstone.CsInsn) -> Insn:
    name = i.insn_name()
    reads, writes = i.regs_access()
    reads, writes = list(reads), list(writes)
    # capstone 5 leaves the last register of {S,U}XTA{B,H,B16} and PKH{BT,TB} out of the reads
    # (access 0): a source all the same
    reads += [
        op.reg for k, op in enumerate(i.operands)
        if k and op.type == arm.ARM_OP_REG and op.access == 0 and op.reg not in reads
    ]
    if i.cc not in (arm.ARM_CC_AL, arm.ARM_CC_INVALID):
        reads.append(FLAGS)
    if getattr(i, "update_flags", False):
        writes.append(FLAGS)
    writes = [w for w in writes if w != arm.ARM_REG_PC]
    reads = [r for r in reads if r != arm.ARM_REG_PC]
    address_regs: list[int] = []
    shifted: list[int] = []
    bank = None
    for op in i.operands:
        if op.type == arm.ARM_OP_MEM:
            address_regs += [r for r in (op.mem.base, op.mem.index) if r]
            if op.mem.index == 0 and op.mem.base:
                bank = (op.mem.base, (op.mem.disp // 4) & 1)
        elif op.type == arm.ARM_OP_REG and op.shift.type != arm.ARM_SFT_INVALID and op.shift.value:
            shifted.append(op.reg)
    shifted += _early_operands(name, [op.reg for op in i.operands if op.type == arm.ARM_OP_REG])
    kind, latency, busy = ALU, T.LAT_ALU, 1
    accumulator = None
    fp64 = ".f64" in i.mnemonic or ".f64" in i.op_str
    if name in _LOADS:
        kind = LOAD
        latency = T.LAT_LOAD + (T.LAT_LOAD_NARROW_EXTRA if name in _NARROW_LOADS else 0)
    elif name in _STORES:
        kind = STORE  # [J] LDRD/STRD move two registers in ceil(2/2) = 1 cycle
    elif name in _LDM:
        kind, busy, latency = LDM, (_register_count(i, name) + 1) // 2, T.LAT_LOAD + 1
    elif name in _STM:
        kind, busy = STM, (_register_count(i, name) + 1) // 2
    elif name in _BRANCH:
        kind = BRANCH
    elif name in _MAC:
        kind, latency = MAC, T.LAT_MAC
        if name in _ACCUMULATING and reads:
            accumulator = reads[-1]
    elif name in ("sdiv", "udiv"):
        kind, busy, latency = DIV, T.CYCLES_DIV, T.CYCLES_DIV
    elif name in _SATURATING:
        kind, latency = DSP, T.LAT_DSP_SATURATING
    elif name in _DSP or name in _EXTEND:
        kind, latency = DSP, T.LAT_DSP
    elif name in _SHIFT or (shifted and name not in _PLAIN_SHIFTS):
        kind = SHIFT
    elif name.startswith("v"):
        kind, latency, busy = _classify_fp(name, fp64)
        if name in _FP_FUSED and i.operands and i.operands[0].type == arm.ARM_OP_REG:
            accumulator = i.operands[0].reg
    accumulate_latency = None
    if kind == MAC:
        accumulate_latency = T.LAT_MAC_ACCUMULATE
    elif name in _FP_FUSED:
        accumulate_latency = T.LAT_VFP_FMA_ACCUMULATE + busy - 1
    writeback = None
    if kind in (LOAD, STORE, FP_LOAD, FP_STORE) and i.writeback and address_regs:
        writeback = address_regs[0]
    store_data: tuple[int, ...] = ()
    if kind in (STORE, FP_STORE):
        store_data = tuple(op.reg for op in i.operands if op.type == arm.ARM_OP_REG and op.reg not in address_regs)
    return Insn(
        i.address, i.size, name, kind, tuple(reads), tuple(writes), latency, busy,
        tuple(address_regs), tuple(shifted), accumulator, accumulate_latency, bank,
        *_branch_info(i, name), writeback, store_data,
    )


def _early_operands(name: str, regs: list[int]) -> list[int]:
    """Source registers the early ALU consumes, which must be ready a cycle earlier than usual,
    as a shifted operand's [J]: every source of SBFX, UBFX, RBIT, REV, REV16 and REVSH; the
    extracted register of {S,U}XTA{B,H,B16} and BFI; Rm of PKHBT (even unshifted); Rn and Rm of
    PKHTB. regs: the instruction's register operands, destination first."""
    if name in _EARLY_ALL:
        return regs[1:]
    if name in _EARLY_EXTRACTED and len(regs) >= 3:
        return [regs[2]]
    if name == "bfi" and len(regs) >= 2:
        return [regs[1]]
    if name == "pkhbt" and len(regs) >= 3:
        return [regs[2]]
    if name == "pkhtb" and len(regs) >= 3:
        return regs[1:3]
    return []


def _register_count(i: capstone.CsInsn, name: str) -> int:
    """Registers transferred by LDM/STM/PUSH/POP (the base register of LDM/STM excluded)."""
    regs = sum(1 for op in i.operands if op.type == arm.ARM_OP_REG)
    return max(1, regs - (0 if name in ("pop", "vpop", "push", "vpush") else 1))


def _classify_fp(name: str, fp64: bool) -> tuple[int, int, int]:
    if name in ("vldr",):
        return FP_LOAD, T.LAT_VFP_LOAD, 2 if fp64 else 1
    if name in ("vstr",):
        return FP_STORE, 1, 2 if fp64 else 1
    if name == "vdiv":
        cycles = T.CYCLES_VDIV_F64 if fp64 else T.CYCLES_VDIV_F32
        return FP_BLOCK, cycles, cycles
    if name == "vsqrt":
        cycles = T.CYCLES_VSQRT_F64 if fp64 else T.CYCLES_VSQRT_F32
        return FP_BLOCK, cycles, cycles
    busy = T.CYCLES_DP_ARITH if fp64 else 1
    if name in ("vfma", "vfms", "vfnma", "vfnms"):
        return FP, T.LAT_VFP_FMA + busy - 1, busy
    if name in ("vmla", "vmls", "vnmla", "vnmls"):
        return FP, T.LAT_VFP_MLA + busy - 1, busy
    if name in ("vadd", "vsub", "vmul", "vnmul", "vcvt", "vcvtr", "vcvta", "vcvtn", "vcvtp", "vcvtm"):
        return FP, T.LAT_VFP_ALU + busy - 1, busy
    return FP, T.LAT_VFP_MOVE, 1


def _branch_info(i: capstone.CsInsn, name: str) -> tuple[int | None, bool]:
    if name not in ("b", "cbz", "cbnz"):
        return None, False
    target = next((op.imm for op in i.operands if op.type == arm.ARM_OP_IMM), None)
    conditional = name in ("cbz", "cbnz") or i.cc not in (arm.ARM_CC_AL, arm.ARM_CC_INVALID)
    return target, conditional


_SINGLE = {DIV, LDM, STM, FP_BLOCK}


def _can_pair(older: Insn, younger: Insn) -> bool:
    """May `younger` issue in the same cycle as `older` (the M7's pairing rules [Q][J])?"""
    if older.kind in _SINGLE or younger.kind in _SINGLE or older.busy > 1 or younger.busy > 1:
        return False
    if younger.kind == DSP:  # DSP ops only in the older slot, never two together
        return False
    if older.kind == MAC and younger.kind == MAC:  # one MAC unit
        return False
    if older.kind == SHIFT and younger.kind == SHIFT:  # one shifter
        return False
    if older.kind in (STORE, FP_STORE) and younger.kind in (STORE, FP_STORE):  # two stores never
        return False
    if {older.kind, younger.kind} in ({MAC, STORE}, {MAC, FP_STORE}):  # [J] a MAC never pairs with a store
        return False
    if older.kind in (LOAD, FP_LOAD) and younger.kind in (LOAD, FP_LOAD):
        # two loads only from different 32-bit banks (known when both use the same base)
        return (
            older.bank is not None and younger.bank is not None
            and older.bank[0] == younger.bank[0] and older.bank[1] != younger.bank[1]
        )
    if older.kind in (FP, FP_LOAD, FP_STORE) and younger.kind == FP:
        return False
    return not (older.kind == FP and younger.kind in (FP_LOAD, FP_STORE))


@dataclass(frozen=True)
class BlockPrice:
    instructions: int
    cycles: int
    branch: int  # 0 none, 1 conditional backward, 2 conditional forward (for the predictor)
    target: int  # branch target address (0 if none)
    fallthrough: int  # address after the block
    lone_branch: bool = False  # ends with a branch alone in its last cycle
    narrow_before: int = 0  # 16-bit instructions before that branch
    narrow: int = 0  # 16-bit instructions in the block
    early_flags: bool = False  # a closing conditional branch whose flags were set 3+ cycles before it


# The branch a block was entered through, when it was alone in its cycle: the block's first
# instruction may issue as the younger op of that cycle, which the previous block has paid for.
_ENTRY_BRANCH = Insn(0, 2, "b", BRANCH, (), (), T.LAT_ALU)


def price_block(code: bytes, address: int, shifted: bool = False) -> BlockPrice:
    """Cycles one execution of the block costs with ideal memory and correctly predicted branches.

    shifted: the block is entered right after a branch that was alone in its cycle and may pair
    with one instruction at its destination [J]; the first instruction may then issue in that
    cycle (cycle -1 here, already paid for), and what follows it moves up by half a cycle.
    """
    insns = decode(code, address)
    ready: dict[int, int] = {}
    ready_acc: dict[int, int] = {}  # when a register may be read as an accumulator operand
    loaded: set[int] = set()  # registers whose current value came from a load
    start = -1 if shifted else 0  # first cycle an instruction of the block may issue in
    t = -1  # cycle of the last issue
    last: Insn | None = _ENTRY_BRANCH if shifted else None
    shared = False  # the last cycle already holds two instructions
    free_at = start  # first cycle the issue stage is free (after multi-cycle instructions)
    flags_at: int | None = None  # cycle of the last instruction that set the flags
    issue = start
    for insn in insns:
        need = start
        for r in insn.reads:
            if insn.accumulator is not None and r == insn.accumulator:
                need = max(need, ready_acc.get(r, start))
                continue
            if r not in ready or r in insn.store_data:
                continue  # produced before the block, or store data (read late [J])
            extra = 0
            if r in insn.address_regs or r in insn.shifted_regs:
                extra = T.LAT_SHIFTED_INPUT_EXTRA
                if r in insn.address_regs and r in loaded:
                    extra += T.LAT_LOAD_AS_ADDRESS_EXTRA
            elif insn.kind == MAC and r in loaded:
                extra = T.LAT_LOAD_TO_MAC_EXTRA
            need = max(need, ready[r] + extra)
        if last is not None and not shared and need <= t and _can_pair(last, insn) and not (
            last is _ENTRY_BRANCH and insn.kind == BRANCH
        ):
            issue = t
            shared = True
        else:
            issue = max(t + 1, need, free_at)
            shared = False
        for w in insn.writes:
            if w == insn.writeback:
                ready[w] = ready_acc[w] = issue + T.LAT_WRITEBACK
                loaded.discard(w)
                continue
            ready[w] = issue + insn.latency
            ready_acc[w] = issue + (insn.accumulate_latency or insn.latency)
            if insn.kind in (LOAD, LDM, FP_LOAD):
                loaded.add(w)
            else:
                loaded.discard(w)
        if FLAGS in insn.writes:
            flags_at = issue
        t = issue
        free_at = issue + insn.busy
        if insn.busy > 1:
            t = issue + insn.busy - 1
            shared = True  # nothing pairs into the last busy cycle
        last = insn
    cycles = max(t + 1, 0) if insns else 0
    branch, target = 0, 0
    end = address + len(code)
    if insns and insns[-1].conditional_branch and insns[-1].branch_target is not None:
        target = insns[-1].branch_target
        branch = 1 if target <= insns[-1].address else 2
    lone = len(insns) >= 2 and insns[-1].kind == BRANCH and not shared
    narrow = [i.size == 2 for i in insns]
    early = bool(branch) and FLAGS in insns[-1].reads and (
        flags_at is None or issue - flags_at >= T.EARLY_FLAGS_CYCLES
    )
    return BlockPrice(len(insns), cycles, branch, target, end, lone, sum(narrow[:-1]), sum(narrow), early)


class CortexM7:
    """The cycle model as the engine uses it (see simtiny.sim.timing.CycleModel)."""

    name = "cortex-m7"
    mispredict_penalty = T.MISPREDICT_PENALTY
    early_flags_penalty = T.MISPREDICT_PENALTY_EARLY_FLAGS
    unaligned_load_penalty = T.UNALIGNED_LOAD_PENALTY

    def cost(self, code: bytes, address: int) -> BlockCost:
        """The block's price entered fresh and entered shifted. [J] 'Predicted (any direction and
        length) taken branch is capable of dual issuing with one instruction at destination
        address. It is highly sensitive to alignment and compression of surrounding
        instructions, requires at least 2 .n instructions executed prior to branch'; a not-taken
        branch 'can dual issue with following instruction' too. So a branch alone in a block's
        last cycle pairs with the next block's first instruction (which is then priced shifted)
        when the engine has seen two 16-bit instructions run before it."""
        return _block_cost(bytes(code), address)


@lru_cache(maxsize=1 << 16)
def _block_cost(code: bytes, address: int) -> BlockCost:
    """A block's prices, kept for the next run of the same firmware in this process (a data set's
    samples, a bench): a price depends on nothing but the code and its address."""
    p = price_block(code, address)
    s = price_block(code, address, shifted=True)
    return BlockCost(
        p.instructions, p.cycles, p.branch, p.target, s.cycles, p.lone_branch, s.lone_branch,
        p.narrow_before, p.narrow, p.early_flags,
    )
