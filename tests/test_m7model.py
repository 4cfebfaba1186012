"""The Cortex-M7 pipeline model on hand-encoded blocks: branch folding and the misprediction penalty.

The encodings are arm-none-eabi-as output (Thumb-2, Cortex-M7), written out so the tests need no
toolchain. The calibration loops (tests/test_calibration.py) check the same rules on whole runs.
"""

from __future__ import annotations

from simtiny.sim.timing.m7model import CortexM7, price_block

ADD_N = bytes.fromhex("0844")  # add r0, r1
ADD_N2 = bytes.fromhex("1a44")  # add r2, r3
B_N = bytes.fromhex("00e0")  # b.n .+4
ADD_W = bytes.fromhex("00f10100")  # add.w r0, r0, #1
ADD_W2 = bytes.fromhex("01f10101")  # add.w r1, r1, #1
B_W = bytes.fromhex("00f001b8")  # b.w .+6
SXTB16 = bytes.fromhex("2ffa81f0")  # sxtb16 r0, r1
SUBS_W = bytes.fromhex("b4f10104")  # subs.w r4, r4, #1
NOP_W = bytes.fromhex("aff30080")  # nop.w
BNE_W = bytes.fromhex("7ff4faaf")  # bne.w (backward)


def test_a_lone_branch_leaves_its_cycle_to_the_next_block_s_first_instruction():
    code = ADD_N + ADD_N2 + B_N
    fresh = price_block(code, 0x1000)
    shifted = price_block(code, 0x1000, shifted=True)
    assert (fresh.cycles, fresh.lone_branch, fresh.narrow_before) == (2, True, 2)
    # entered after such a branch: the first ADD issues in the branch's cycle, the second ADD
    # and the branch share the next one, so the branch is no longer alone
    assert (shifted.cycles, shifted.lone_branch) == (1, False)


def test_wide_code_gives_the_engine_no_16_bit_instructions_to_fold_after():
    price = price_block(ADD_W + ADD_W2 + B_W, 0x1000)
    assert (price.cycles, price.lone_branch, price.narrow_before, price.narrow) == (2, True, 0, 0)


def test_a_dsp_instruction_cannot_take_the_younger_slot_of_the_branch_s_cycle():
    code = SXTB16 + ADD_W2
    assert price_block(code, 0x1000, shifted=True).cycles == price_block(code, 0x1000).cycles


def test_flags_set_three_cycles_before_the_branch_make_a_wrong_prediction_cheaper():
    early = price_block(SUBS_W + NOP_W * 6 + BNE_W, 0x1000)
    late = price_block(SUBS_W + BNE_W, 0x1000)
    assert early.branch == 1 and early.early_flags
    assert late.branch == 1 and not late.early_flags
    model = CortexM7()
    assert model.cost(SUBS_W + NOP_W * 6 + BNE_W, 0x1000).early_flags
    assert (model.early_flags_penalty, model.mispredict_penalty) == (6, 8)
