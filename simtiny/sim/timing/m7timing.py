"""Cortex-M7 timing constants, each with its source. The cycle model reads them from here only.

Sources (see shared reference cortex-m7-timing.md):
  [Q]   quinapalus.com, "Cortex-M7 instruction cycle counts, timings, and dual-issue
        combinations", measured on an STM32H730 at 480 MHz, caches on.
  [J]   github jnk0le/random, "pipeline cycle test", measured on an STM32H743 with DWT CYCCNT.
  [L]   LLVM llvm/lib/Target/ARM/ARMScheduleM7.td (contributed by Arm), `llvm-mca -mcpu=cortex-m7`.

Memory timing (caches, flash wait states) is a fact of the board, not of the core: it lives in
platforms/<board>/platform.toml.
"""

from __future__ import annotations

ISSUE_WIDTH = 2  # [Q][J] two instructions per cycle at most

# Result latencies in cycles: a consumer may issue this many cycles after the producer.
LAT_ALU = 1  # [Q] simple ALU result usable next cycle
LAT_SHIFTED_INPUT_EXTRA = 1  # [Q] a value used as shifted operand must be ready one cycle earlier
LAT_LOAD = 1  # [Q] LDR word result usable by an ALU op in the next cycle (the load issues in EX1)
LAT_LOAD_NARROW_EXTRA = 1  # [Q] LDRB/LDRH/LDRSB/LDRSH: one more cycle than LDR
LAT_LOAD_AS_ADDRESS_EXTRA = 1  # [Q] a loaded value used as an address (pointer chasing: 3 in all)
LAT_LOAD_TO_MAC_EXTRA = 1  # [J] a loaded value is not ready for a MUL/MAC operand in the next cycle
LAT_WRITEBACK = 1  # [J] the updated base of a pre/post-indexed load or store, like an ALU result
LAT_MAC = 2  # [Q][L] MUL/MLA/SMLAD/SMULL... result after 2 cycles
LAT_MAC_ACCUMULATE = 1  # [Q] chained accumulation into the same register: one per cycle
LAT_DSP = 1  # [Q] SXTB16, SADD16, PKHBT...
LAT_DSP_SATURATING = 2  # [L] QADD, QSUB, SSAT, USAT
LAT_VFP_ALU = 3  # [Q] VADD.F32, VMUL.F32
LAT_VFP_FMA = 5  # [Q][L] VFMA.F32 result as a multiplicand
LAT_VFP_FMA_ACCUMULATE = 3  # [J] VFMA result feeding the next VFMA's accumulator (read late, as [L] models)
LAT_VFP_MLA = 6  # [Q] VMLA.F32 (not fused)
LAT_VFP_MOVE = 1  # VMOV between core and FP registers [L]
LAT_VFP_LOAD = 1  # [L][J] VLDR result

# Loads the core splits. [J] "unaligned loads are severely underperforming. +3 cycles as older
# op, +4 as younger op or when both older and younger ops are unaligned loads (banks or
# unalignment amount doesn't matter)". Whether an access is unaligned is known only when it
# runs, so the memory model's read hook adds it, at the older-slot figure (a lower bound).
UNALIGNED_LOAD_PENALTY = 3

# Instructions that occupy the pipeline for several cycles.
CYCLES_DIV = 7  # [Q] SDIV/UDIV block issue for up to about 7 cycles (data-dependent: worst case kept)
CYCLES_VDIV_F32 = 16  # [Q] VDIV.F32 blocks the FP pipe
CYCLES_VSQRT_F32 = 14  # [Q] VSQRT.F32
CYCLES_VDIV_F64 = 30  # [L] VDIV.F64 (FPv5 double precision)
CYCLES_VSQRT_F64 = 29  # [L] VSQRT.F64
CYCLES_DP_ARITH = 2  # [L] VADD/VMUL.F64 issue twice per instruction on the single-precision-width FPU

# Branches.
MISPREDICT_PENALTY = 8  # [Q] a mispredicted branch (for example a loop exit) costs 8 cycles
# [J] "there is flag forwarding that can reduce branch misprediction penalty from 8 to 6 cycles
# (in case of subs + bne), instruction generating flags have to be placed at least 3 cycles
# before branch. Effect is not gradual".
MISPREDICT_PENALTY_EARLY_FLAGS = 6
EARLY_FLAGS_CYCLES = 3
# The predictor itself (a 2-bit saturating counter per branch) lives in the C block counter.
