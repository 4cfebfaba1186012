"""Tests for the double-precision VFP emulator that fills Unicorn's Cortex-M7 gaps.

Expected values come from Python's own IEEE doubles, struct, numpy and exact Fractions
(directed rounding by stepping with nextafter), never from the emulator's rounding code.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simtiny.sim.unicorn import vfp_double as vfp

IOC, DZC, OFC, UFC, IXC, IDC = 1, 2, 4, 8, 16, 128
RN, RP, RM, RZ = 0, 1, 2, 3
FZ, DN, AHP = 1 << 24, 1 << 25, 1 << 26
DEFAULT_NAN = 0x7FF8_0000_0000_0000
MAX = sys.float_info.max

# Encodings produced by `arm-none-eabi-as -mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16` as
# (first halfword << 16 | second halfword); test_encodings_match_assembler re-checks them.
ENC = {
    "vmov.f64 d0, d1": 0xEEB0_0B41,
    "vmov.f64 d7, #3.0": 0xEEB0_7B08,
    "vmov.f64 d2, #-0.125": 0xEEBC_2B00,
    "vabs.f64 d0, d1": 0xEEB0_0BC1,
    "vneg.f64 d0, d1": 0xEEB1_0B41,
    "vsqrt.f64 d0, d1": 0xEEB1_0BC1,
    "vadd.f64 d0, d1, d2": 0xEE31_0B02,
    "vsub.f64 d0, d1, d2": 0xEE31_0B42,
    "vmul.f64 d0, d1, d2": 0xEE21_0B02,
    "vnmul.f64 d0, d1, d2": 0xEE21_0B42,
    "vdiv.f64 d0, d1, d2": 0xEE81_0B02,
    "vmla.f64 d0, d1, d2": 0xEE01_0B02,
    "vmls.f64 d0, d1, d2": 0xEE01_0B42,
    "vnmla.f64 d0, d1, d2": 0xEE11_0B42,
    "vnmls.f64 d0, d1, d2": 0xEE11_0B02,
    "vfma.f64 d0, d1, d2": 0xEEA1_0B02,
    "vfms.f64 d0, d1, d2": 0xEEA1_0B42,
    "vfnma.f64 d0, d1, d2": 0xEE91_0B42,
    "vfnms.f64 d0, d1, d2": 0xEE91_0B02,
    "vadd.f64 d15, d14, d13": 0xEE3E_FB0D,
    "vcmp.f64 d0, d1": 0xEEB4_0B41,
    "vcmpe.f64 d0, d1": 0xEEB4_0BC1,
    "vcmp.f64 d0, #0": 0xEEB5_0B40,
    "vcmpe.f64 d0, #0": 0xEEB5_0BC0,
    "vcvt.f64.f32 d0, s3": 0xEEB7_0AE1,
    "vcvt.f32.f64 s3, d1": 0xEEF7_1BC1,
    "vcvt.s32.f64 s0, d1": 0xEEBD_0BC1,
    "vcvt.u32.f64 s0, d1": 0xEEBC_0BC1,
    "vcvtr.s32.f64 s0, d1": 0xEEBD_0B41,
    "vcvtr.u32.f64 s0, d1": 0xEEBC_0B41,
    "vcvt.f64.s32 d0, s3": 0xEEB8_0BE1,
    "vcvt.f64.u32 d0, s3": 0xEEB8_0B61,
    "vcvt.s16.f64 d0, d0, #4": 0xEEBE_0B46,
    "vcvt.u16.f64 d0, d0, #16": 0xEEBF_0B40,
    "vcvt.s32.f64 d0, d0, #1": 0xEEBE_0BEF,
    "vcvt.u32.f64 d0, d0, #32": 0xEEBF_0BC0,
    "vcvt.f64.s16 d0, d0, #4": 0xEEBA_0B46,
    "vcvt.f64.u16 d0, d0, #16": 0xEEBB_0B40,
    "vcvt.f64.s32 d0, d0, #1": 0xEEBA_0BEF,
    "vcvt.f64.u32 d0, d0, #32": 0xEEBB_0BC0,
    "vcvtb.f64.f16 d0, s3": 0xEEB2_0B61,
    "vcvtt.f64.f16 d0, s3": 0xEEB2_0BE1,
    "vcvtb.f16.f64 s3, d1": 0xEEF3_1B41,
    "vcvtt.f16.f64 s3, d1": 0xEEF3_1BC1,
    "vseleq.f64 d0, d1, d2": 0xFE01_0B02,
    "vselvs.f64 d0, d1, d2": 0xFE11_0B02,
    "vselge.f64 d0, d1, d2": 0xFE21_0B02,
    "vselgt.f64 d0, d1, d2": 0xFE31_0B02,
    "vmaxnm.f64 d0, d1, d2": 0xFE81_0B02,
    "vminnm.f64 d0, d1, d2": 0xFE81_0B42,
    "vrinta.f64 d0, d1": 0xFEB8_0B41,
    "vrintn.f64 d0, d1": 0xFEB9_0B41,
    "vrintp.f64 d0, d1": 0xFEBA_0B41,
    "vrintm.f64 d0, d1": 0xFEBB_0B41,
    "vrintz.f64 d0, d1": 0xEEB6_0BC1,
    "vrintr.f64 d0, d1": 0xEEB6_0B41,
    "vrintx.f64 d0, d1": 0xEEB7_0B41,
    "vcvta.s32.f64 s0, d1": 0xFEBC_0BC1,
    "vcvta.u32.f64 s0, d1": 0xFEBC_0B41,
    "vcvtn.s32.f64 s0, d1": 0xFEBD_0BC1,
    "vcvtn.u32.f64 s0, d1": 0xFEBD_0B41,
    "vcvtp.s32.f64 s0, d1": 0xFEBE_0BC1,
    "vcvtp.u32.f64 s0, d1": 0xFEBE_0B41,
    "vcvtm.s32.f64 s0, d1": 0xFEBF_0BC1,
    "vcvtm.u32.f64 s0, d1": 0xFEBF_0B41,
}
# Instructions Unicorn runs itself; the emulator must leave them alone.
NATIVE = {
    "vadd.f32 s0, s1, s2": 0xEE30_0A81,
    "vmov r0, r1, d0": 0xEC51_0B10,
    "vmov d0, r0, r1": 0xEC41_0B10,
    "vldr d0, [r0]": 0xED90_0B00,
    "vcvtb.f32.f16 s0, s1": 0xEEB2_0A60,
    "vseleq.f32 s0, s1, s2": 0xFE00_0A81,
}


def bits(x: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", x))[0])


def flt(raw: int) -> float:
    return float(struct.unpack("<d", struct.pack("<Q", raw))[0])


def bits32(x: float) -> int:
    return int(struct.unpack("<I", struct.pack("<f", x))[0])


def flt32(raw: int) -> float:
    return float(struct.unpack("<f", struct.pack("<I", raw))[0])


class FakeFpRegs:
    """fpv5-d16 register file: S2n/S2n+1 are the low/high halves of Dn."""

    def __init__(self, fpscr: int = 0, apsr: int = 0) -> None:
        self.d = [0] * 16
        self.r = [0] * 15
        self.fpscr = fpscr
        self.apsr = apsr

    def read_d(self, n: int) -> int:
        return self.d[n]

    def write_d(self, n: int, raw: int) -> None:
        assert 0 <= raw < 1 << 64
        self.d[n] = raw

    def read_s(self, n: int) -> int:
        return (self.d[n >> 1] >> (32 * (n & 1))) & 0xFFFF_FFFF

    def write_s(self, n: int, raw: int) -> None:
        assert 0 <= raw < 1 << 32
        shift = 32 * (n & 1)
        self.d[n >> 1] = (self.d[n >> 1] & ~(0xFFFF_FFFF << shift)) | (raw << shift)

    def read_r(self, n: int) -> int:
        return self.r[n]

    def write_r(self, n: int, value: int) -> None:
        self.r[n] = value

    def read_fpscr(self) -> int:
        return self.fpscr

    def write_fpscr(self, value: int) -> None:
        self.fpscr = value


class FakeRegs(FakeFpRegs):
    """The register file plus the APSR that VSEL reads."""

    def read_apsr(self) -> int:
        return self.apsr


def run(insn: str | int, regs: FakeRegs) -> FakeRegs:
    word = ENC[insn] if isinstance(insn, str) else insn
    assert vfp.emulate(word >> 16, word & 0xFFFF, regs), insn
    return regs


def op3(insn: str, n: float | int, m: float | int, d: float | int = 0.0, fpscr: int = 0):
    """Run `insn d0, d1, d2` with raw ints or floats; return (d0 raw, fpscr)."""
    regs = FakeRegs(fpscr)
    for i, v in ((0, d), (1, n), (2, m)):
        regs.d[i] = v if isinstance(v, int) else bits(v)
    run(insn, regs)
    return regs.d[0], regs.fpscr


def flags(fpscr: int) -> int:
    return fpscr & 0x9F


def ref_round(exact: Fraction, mode: int) -> float:
    """Correctly rounded double of `exact` under `mode`, by stepping from Python's RN."""
    try:
        near = float(exact)
    except OverflowError:
        near = math.inf if exact > 0 else -math.inf
    if math.isinf(near):
        to_inf = mode == RN or (mode == RP and exact > 0) or (mode == RM and exact < 0)
        return near if to_inf else math.copysign(MAX, near)
    if mode == RP and Fraction(near) < exact:
        near = math.nextafter(near, math.inf)
    elif mode == RM and Fraction(near) > exact:
        near = math.nextafter(near, -math.inf)
    elif mode == RZ and abs(Fraction(near)) > abs(exact):
        near = math.nextafter(near, 0.0)
    return near


def overflows(exact: Fraction, mode: int) -> bool:
    """IEEE overflow: rounding with an unbounded exponent lands above the largest double."""
    ulp = Fraction(2) ** 971  # spacing of doubles in [2**1023, 2**1024)
    scaled = abs(exact) / ulp
    up = (mode == RP and exact > 0) or (mode == RM and exact < 0)
    rounded = round(scaled) if mode == RN else math.ceil(scaled) if up else math.floor(scaled)
    return rounded >= 2**53


def ref_flags(exact: Fraction, result: float, mode: int) -> int:
    """IEEE flags for rounding `exact` to `result` (Arm detects tininess before rounding)."""
    if overflows(exact, mode):
        return OFC | IXC
    if Fraction(result) == exact:
        return 0
    return IXC | (UFC if abs(exact) < Fraction(sys.float_info.min) else 0)


finite = st.floats(allow_nan=False, allow_infinity=False)
modes = st.sampled_from([RN, RP, RM, RZ])

# --- arithmetic against exact references -------------------------------------------------


@pytest.mark.parametrize(
    ("insn", "exact"),
    [
        ("vadd.f64 d0, d1, d2", lambda n, m: n + m),
        ("vsub.f64 d0, d1, d2", lambda n, m: n - m),
        ("vmul.f64 d0, d1, d2", lambda n, m: n * m),
        ("vdiv.f64 d0, d1, d2", lambda n, m: n / m),
    ],
)
@settings(max_examples=150, deadline=None, database=None)
@given(n=finite, m=finite, mode=modes)
def test_arithmetic_rounds_like_ieee(insn, exact, n, m, mode) -> None:
    if insn.startswith("vdiv") and m == 0:
        return
    value = exact(Fraction(n), Fraction(m))
    raw, fpscr = op3(insn, n, m, fpscr=mode << 22)
    if value == 0:
        assert flt(raw) == 0 and flags(fpscr) == 0
        return
    expected = ref_round(value, mode)
    assert raw == bits(expected), (n, m, mode)
    assert flags(fpscr) == ref_flags(value, expected, mode)


@settings(max_examples=150, deadline=None, database=None)
@given(n=finite, m=finite)
def test_round_to_nearest_matches_python_floats(n, m) -> None:
    for insn, py in (
        ("vadd.f64 d0, d1, d2", lambda: n + m),
        ("vsub.f64 d0, d1, d2", lambda: n - m),
        ("vmul.f64 d0, d1, d2", lambda: n * m),
    ):
        expected = py()
        raw, _ = op3(insn, n, m)
        assert raw == bits(expected), (insn, n, m)
    if m != 0:
        try:
            expected = n / m
        except OverflowError:
            expected = math.copysign(math.inf, n) * math.copysign(1.0, m)
        assert op3("vdiv.f64 d0, d1, d2", n, m)[0] == bits(expected)


@settings(max_examples=200, deadline=None, database=None)
@given(x=st.floats(min_value=0.0, allow_infinity=False), mode=modes)
def test_sqrt_is_correctly_rounded(x, mode) -> None:
    regs = FakeRegs(mode << 22)
    regs.d[1] = bits(x)
    run("vsqrt.f64 d0, d1", regs)
    root = math.sqrt(x)  # IEEE requires correct rounding (to nearest)
    if mode != RN and Fraction(root) ** 2 != Fraction(x):
        above = Fraction(root) ** 2 > Fraction(x)
        if mode in (RM, RZ) and above:
            root = math.nextafter(root, 0.0)
        elif mode == RP and not above:
            root = math.nextafter(root, math.inf)
    assert regs.d[0] == bits(root)
    assert flags(regs.fpscr) == (0 if Fraction(root) ** 2 == Fraction(x) else IXC)


def test_sqrt_special_cases() -> None:
    for x, expected, flag in (
        (-0.0, bits(-0.0), 0),
        (math.inf, bits(math.inf), 0),
        (-1.0, DEFAULT_NAN, IOC),
        (-math.inf, DEFAULT_NAN, IOC),
    ):
        regs = FakeRegs()
        regs.d[1] = bits(x)
        run("vsqrt.f64 d0, d1", regs)
        assert (regs.d[0], flags(regs.fpscr)) == (expected, flag), x


@settings(max_examples=150, deadline=None, database=None)
@given(d=finite, n=finite, m=finite, mode=modes)
def test_fused_multiply_add_family_rounds_once(d, n, m, mode) -> None:
    fd, fn, fm = Fraction(d), Fraction(n), Fraction(m)
    for insn, exact in (
        ("vfma.f64 d0, d1, d2", fd + fn * fm),
        ("vfms.f64 d0, d1, d2", fd - fn * fm),
        ("vfnma.f64 d0, d1, d2", -fd - fn * fm),
        ("vfnms.f64 d0, d1, d2", -fd + fn * fm),
    ):
        raw, fpscr = op3(insn, n, m, d, fpscr=mode << 22)
        if exact == 0:
            assert flt(raw) == 0
            continue
        expected = ref_round(exact, mode)
        assert raw == bits(expected), (insn, d, n, m, mode)
        assert flags(fpscr) == ref_flags(exact, expected, mode)


@settings(max_examples=150, deadline=None, database=None)
@given(d=st.floats(-1e100, 1e100), n=st.floats(-1e100, 1e100), m=st.floats(-1e100, 1e100))
def test_chained_multiply_accumulate_rounds_twice(d, n, m) -> None:
    product = n * m
    for insn, expected in (
        ("vmla.f64 d0, d1, d2", d + product),
        ("vmls.f64 d0, d1, d2", d - product),
        ("vnmla.f64 d0, d1, d2", -d - product),
        ("vnmls.f64 d0, d1, d2", -d + product),
        ("vnmul.f64 d0, d1, d2", -product),
    ):
        raw, _ = op3(insn, n, m, d)
        assert flt(raw) == expected or (expected == 0 and flt(raw) == 0), (insn, d, n, m)


def test_fused_and_unfused_differ() -> None:
    a, b = 1 + 2.0**-30, 1 - 2.0**-30  # a*b = 1 - 2**-60 rounds to 1.0
    assert a * b == 1.0
    fused = float(Fraction(a) * Fraction(b) - 1)
    assert fused != 0.0
    assert flt(op3("vmla.f64 d0, d1, d2", a, b, -1.0)[0]) == 0.0
    assert flt(op3("vfma.f64 d0, d1, d2", a, b, -1.0)[0]) == fused


def test_exact_zero_sums_take_the_sign_of_the_rounding_mode() -> None:
    for mode, sign in ((RN, 1.0), (RP, 1.0), (RZ, 1.0), (RM, -1.0)):
        raw, _ = op3("vadd.f64 d0, d1, d2", 1.5, -1.5, fpscr=mode << 22)
        assert raw == bits(math.copysign(0.0, sign))
        raw, _ = op3("vfma.f64 d0, d1, d2", 2.0, 3.0, -6.0, fpscr=mode << 22)
        assert raw == bits(math.copysign(0.0, sign))
    assert op3("vadd.f64 d0, d1, d2", -0.0, -0.0)[0] == bits(-0.0)
    assert op3("vsub.f64 d0, d1, d2", -0.0, 0.0)[0] == bits(-0.0)


def test_overflow_and_underflow_follow_the_rounding_mode() -> None:
    for mode, expected in ((RN, math.inf), (RP, math.inf), (RM, MAX), (RZ, MAX)):
        raw, fpscr = op3("vmul.f64 d0, d1, d2", MAX, 2.0, fpscr=mode << 22)
        assert raw == bits(expected) and flags(fpscr) == OFC | IXC
    tiny = sys.float_info.min * sys.float_info.epsilon  # smallest subnormal
    raw, fpscr = op3("vmul.f64 d0, d1, d2", tiny, 0.5, fpscr=RP << 22)
    assert raw == bits(tiny) and flags(fpscr) == UFC | IXC
    raw, fpscr = op3("vmul.f64 d0, d1, d2", tiny, 0.5)
    assert raw == 0 and flags(fpscr) == UFC | IXC
    raw, fpscr = op3("vmul.f64 d0, d1, d2", tiny, 2.0)  # exact subnormal: no underflow
    assert raw == bits(2 * tiny) and flags(fpscr) == 0


def test_invalid_and_divide_by_zero() -> None:
    cases = [
        ("vadd.f64 d0, d1, d2", math.inf, -math.inf, DEFAULT_NAN, IOC),
        ("vsub.f64 d0, d1, d2", math.inf, math.inf, DEFAULT_NAN, IOC),
        ("vmul.f64 d0, d1, d2", math.inf, 0.0, DEFAULT_NAN, IOC),
        ("vdiv.f64 d0, d1, d2", 0.0, -0.0, DEFAULT_NAN, IOC),
        ("vdiv.f64 d0, d1, d2", math.inf, math.inf, DEFAULT_NAN, IOC),
        ("vdiv.f64 d0, d1, d2", -1.0, 0.0, bits(-math.inf), DZC),
        ("vdiv.f64 d0, d1, d2", math.inf, 0.0, bits(math.inf), 0),
        ("vdiv.f64 d0, d1, d2", 1.0, -math.inf, bits(-0.0), 0),
        ("vfma.f64 d0, d1, d2", math.inf, 0.0, DEFAULT_NAN, IOC),
    ]
    for insn, n, m, expected, flag in cases:
        raw, fpscr = op3(insn, n, m)
        assert (raw, flags(fpscr)) == (expected, flag), (insn, n, m)
    raw, fpscr = op3("vfma.f64 d0, d1, d2", math.inf, 2.0, -math.inf)
    assert (raw, flags(fpscr)) == (DEFAULT_NAN, IOC)


# --- NaN handling -------------------------------------------------------------------------

QNAN_A = 0x7FF8_0000_0000_0AAA
QNAN_B = 0xFFF8_0000_0000_0BBB
SNAN_A = 0x7FF0_0000_0000_0AAA
SNAN_B = 0xFFF0_0000_0000_0BBB
QUIET = 1 << 51


@pytest.mark.parametrize(
    ("n", "m", "expected", "flag"),
    [
        (QNAN_A, QNAN_B, QNAN_A, 0),  # first operand first
        (bits(1.0), QNAN_B, QNAN_B, 0),
        (QNAN_A, SNAN_B, SNAN_B | QUIET, IOC),  # signalling before quiet
        (SNAN_A, SNAN_B, SNAN_A | QUIET, IOC),
        (SNAN_A, bits(2.0), SNAN_A | QUIET, IOC),
    ],
)
def test_nan_propagation(n, m, expected, flag) -> None:
    for insn in ("vadd.f64 d0, d1, d2", "vmul.f64 d0, d1, d2", "vdiv.f64 d0, d1, d2"):
        raw, fpscr = op3(insn, n, m)
        assert (raw, flags(fpscr)) == (expected, flag), insn
        raw, fpscr = op3(insn, n, m, fpscr=DN)
        assert (raw, flags(fpscr)) == (DEFAULT_NAN, flag), insn


def test_nan_propagation_three_operands() -> None:
    # VFMA checks the addend (Dd) first, then Dn, then Dm; signalling NaNs before quiet.
    assert op3("vfma.f64 d0, d1, d2", QNAN_B, 1.0, QNAN_A)[0] == QNAN_A
    assert op3("vfma.f64 d0, d1, d2", QNAN_A, SNAN_B, QNAN_A)[0] == SNAN_B | QUIET
    # FPNeg happens before NaN selection, so VFMS flips the sign of a NaN from Dn.
    assert op3("vfms.f64 d0, d1, d2", QNAN_A, 1.0, 1.0)[0] == QNAN_A ^ (1 << 63)
    # Arm: quiet-NaN addend plus inf*0 gives the default NaN and raises Invalid;
    # a signalling-NaN addend is quietened and propagated instead.
    raw, fpscr = op3("vfma.f64 d0, d1, d2", math.inf, 0.0, QNAN_B)
    assert (raw, flags(fpscr)) == (DEFAULT_NAN, IOC)
    raw, fpscr = op3("vfma.f64 d0, d1, d2", 0.0, -math.inf, SNAN_B)
    assert (raw, flags(fpscr)) == (SNAN_B | QUIET, IOC)


def test_nan_through_negating_forms() -> None:
    # VNMUL/VMLS negate the (NaN) product after it is formed, as the pseudocode does.
    assert op3("vnmul.f64 d0, d1, d2", QNAN_A, 1.0)[0] == QNAN_A ^ (1 << 63)
    assert op3("vmls.f64 d0, d1, d2", QNAN_A, 1.0, 1.0)[0] == QNAN_A ^ (1 << 63)
    assert op3("vmla.f64 d0, d1, d2", 1.0, 1.0, QNAN_B)[0] == QNAN_B
    assert op3("vnmla.f64 d0, d1, d2", 1.0, 1.0, QNAN_B)[0] == QNAN_B ^ (1 << 63)


def test_abs_neg_mov_touch_only_the_sign_and_raise_nothing() -> None:
    for raw in (SNAN_A, QNAN_B, bits(-2.5), bits(5e-324), bits(-0.0)):
        for insn, expected in (
            ("vmov.f64 d0, d1", raw),
            ("vabs.f64 d0, d1", raw & ~(1 << 63)),
            ("vneg.f64 d0, d1", raw ^ (1 << 63)),
        ):
            regs = FakeRegs(FZ)
            regs.d[1] = raw
            run(insn, regs)
            assert regs.d[0] == expected and regs.fpscr == FZ, insn


def test_vmov_immediate() -> None:
    regs = run("vmov.f64 d7, #3.0", FakeRegs())
    assert flt(regs.d[7]) == 3.0
    assert flt(run("vmov.f64 d2, #-0.125", FakeRegs()).d[2]) == -0.125
    # Every VFPExpandImm value is +-(16+f)/16 * 2**e with f in 0..15, e in -3..4.
    for imm8 in range(256):
        sign = -1.0 if imm8 & 0x80 else 1.0
        exponent = ((imm8 >> 4) & 3) + (1 if imm8 & 0x40 == 0 else -3)
        assert flt(vfp.expand_imm64(imm8)) == sign * (16 + (imm8 & 15)) / 16 * 2.0**exponent


def test_flush_to_zero() -> None:
    tiny = 5e-324
    raw, fpscr = op3("vadd.f64 d0, d1, d2", tiny, 0.0, fpscr=FZ)
    assert raw == 0 and flags(fpscr) == IDC
    raw, fpscr = op3("vmul.f64 d0, d1, d2", -sys.float_info.min, 0.5, fpscr=FZ)
    assert raw == bits(-0.0) and flags(fpscr) == UFC
    raw, _ = op3("vmul.f64 d0, d1, d2", -sys.float_info.min, 0.5)
    assert flt(raw) == -sys.float_info.min / 2


# --- compares and selects -----------------------------------------------------------------

SPECIALS = [0.0, -0.0, 1.0, -1.0, 5e-324, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("a", SPECIALS)
@pytest.mark.parametrize("b", SPECIALS)
def test_compare_flags(a, b) -> None:
    if math.isnan(a) or math.isnan(b):
        nzcv = 0b0011
    elif a == b:
        nzcv = 0b0110
    else:
        nzcv = 0b1000 if a < b else 0b0010
    for insn, nan_raises in (("vcmp.f64 d0, d1", False), ("vcmpe.f64 d0, d1", True)):
        regs = FakeRegs(0xF000_0000 | RZ << 22)
        regs.d[0], regs.d[1] = bits(a), bits(b)
        run(insn, regs)
        assert regs.fpscr >> 28 == nzcv
        assert flags(regs.fpscr) == (IOC if nzcv == 0b0011 and nan_raises else 0)
        assert regs.fpscr & ~0xF000_009F == RZ << 22


def test_compare_signalling_nan_and_zero_forms() -> None:
    regs = FakeRegs()
    regs.d[0], regs.d[1] = bits(1.0), SNAN_A
    assert run("vcmp.f64 d0, d1", regs).fpscr == 0x3000_0000 | IOC
    for x, nzcv in ((-0.0, 0b0110), (-2.0, 0b1000), (3.0, 0b0010), (math.nan, 0b0011)):
        regs = FakeRegs()
        regs.d[0] = bits(x)
        run("vcmp.f64 d0, #0", regs)
        assert regs.fpscr == nzcv << 28
        run("vcmpe.f64 d0, #0", regs)
        assert regs.fpscr >> 28 == nzcv
    regs = FakeRegs(FZ)
    regs.d[0] = bits(-5e-324)
    assert run("vcmp.f64 d0, #0", regs).fpscr == FZ | 0b0110 << 28 | IDC


def apsr_of_compare(a: int, b: int) -> int:
    """APSR NZCV after CMP a, b on 32-bit values (computed from Python integers)."""
    diff = (a - b) & 0xFFFF_FFFF
    n, z = diff >> 31, diff == 0
    c = a >= b
    v = ((a ^ b) & (a ^ diff)) >> 31 & 1
    sa, sb = a - (a >> 31 << 32), b - (b >> 31 << 32)
    assert v == (not -(2**31) <= sa - sb < 2**31)
    return n << 31 | z << 30 | c << 29 | v << 28


@pytest.mark.parametrize(("a", "b"), [(5, 3), (3, 5), (4, 4), (0x8000_0000, 1), (0x7FFF_FFFF, 0xFFFF_FFFF)])
def test_vsel_follows_apsr(a, b) -> None:
    sa, sb = a - (a >> 31 << 32), b - (b >> 31 << 32)
    apsr = apsr_of_compare(a, b)
    overflow = not -(2**31) <= sa - sb < 2**31
    for insn, holds in (
        ("vseleq.f64 d0, d1, d2", sa == sb),
        ("vselvs.f64 d0, d1, d2", overflow),
        ("vselge.f64 d0, d1, d2", sa >= sb),
        ("vselgt.f64 d0, d1, d2", sa > sb),
    ):
        regs = FakeRegs(apsr=apsr)
        regs.d[1], regs.d[2] = bits(1.5), SNAN_B
        run(insn, regs)
        assert regs.d[0] == (bits(1.5) if holds else SNAN_B), insn
        assert regs.fpscr == 0


def test_vsel_needs_apsr_access() -> None:
    with pytest.raises(TypeError, match="read_apsr"):
        run("vseleq.f64 d0, d1, d2", FakeFpRegs())  # type: ignore[arg-type]


@pytest.mark.parametrize("a", [1.0, -2.0, 0.0, -0.0, math.inf, -math.inf, 3e-310])
@pytest.mark.parametrize("b", [1.0, -2.0, 0.0, -0.0, math.inf, math.nan])
def test_maxnm_minnm(a, b) -> None:
    for insn, numpy_fn in (("vmaxnm.f64 d0, d1, d2", np.fmax), ("vminnm.f64 d0, d1, d2", np.fmin)):
        raw, fpscr = op3(insn, a, b)
        if a == 0 and b == 0:  # signed zeros: max prefers +0, min prefers -0
            signs = (math.copysign(1, a) < 0, math.copysign(1, b) < 0)
            negative = all(signs) if insn.startswith("vmax") else any(signs)
            assert raw == bits(-0.0 if negative else 0.0)
        else:
            assert raw == bits(float(numpy_fn(a, b)))
        assert flags(fpscr) == 0


def test_maxnm_with_signalling_nan_returns_nan() -> None:
    raw, fpscr = op3("vmaxnm.f64 d0, d1, d2", 1.0, SNAN_A)
    assert (raw, flags(fpscr)) == (SNAN_A | QUIET, IOC)
    raw, fpscr = op3("vminnm.f64 d0, d1, d2", QNAN_A, QNAN_B)
    assert (raw, flags(fpscr)) == (QNAN_A, 0)


# --- conversions --------------------------------------------------------------------------


def ties_away(x: float) -> int:
    return int(math.copysign(math.floor(abs(Fraction(x)) + Fraction(1, 2)), x))


ROUND_INT = {
    RN: lambda x: round(Fraction(x)),  # ties to even
    RP: math.ceil,
    RM: math.floor,
    RZ: math.trunc,
}


def saturate(value: int, signed: bool, width: int = 32) -> tuple[int, bool]:
    low, high = (-(1 << (width - 1)), (1 << (width - 1)) - 1) if signed else (0, (1 << width) - 1)
    return min(max(value, low), high), not low <= value <= high


CONVERT_INPUTS = [
    0.0, -0.0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, -0.7, 1e-300, 123456.75,
    2147483647.0, 2147483647.5, 2147483648.0, -2147483648.0, -2147483648.5, -2147483649.0,
    4294967295.0, 4294967295.5, 4294967296.0, 1e20, -1e20,
]  # fmt: skip


@pytest.mark.parametrize("x", CONVERT_INPUTS)
@pytest.mark.parametrize("signed", [True, False])
def test_convert_to_integer(x, signed) -> None:
    sign = "s" if signed else "u"
    cases = [(f"vcvt.{sign}32.f64 s0, d1", 0, math.trunc)]
    cases += [(f"vcvtr.{sign}32.f64 s0, d1", mode << 22, ROUND_INT[mode]) for mode in ROUND_INT]
    cases += [
        (f"vcvta.{sign}32.f64 s0, d1", RZ << 22, ties_away),
        (f"vcvtn.{sign}32.f64 s0, d1", RZ << 22, ROUND_INT[RN]),
        (f"vcvtp.{sign}32.f64 s0, d1", RZ << 22, math.ceil),
        (f"vcvtm.{sign}32.f64 s0, d1", RP << 22, math.floor),
    ]
    for insn, fpscr, rounder in cases:
        regs = FakeRegs(fpscr)
        regs.d[0], regs.d[1] = 0xDEAD_BEEF_0000_0000, bits(x)
        run(insn, regs)
        value, overflow = saturate(int(rounder(x)), signed)
        assert regs.read_s(0) == value & 0xFFFF_FFFF, (insn, x)
        assert regs.read_s(1) == 0xDEAD_BEEF  # the other half of D0 is untouched
        expected_flag = IOC if overflow else (IXC if Fraction(x) != int(rounder(x)) else 0)
        assert flags(regs.fpscr) == expected_flag, (insn, x)


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf])
def test_convert_nan_and_infinity_to_integer(x) -> None:
    for insn, expected in (
        ("vcvt.s32.f64 s0, d1", 0 if math.isnan(x) else (0x7FFF_FFFF if x > 0 else 0x8000_0000)),
        ("vcvt.u32.f64 s0, d1", 0 if math.isnan(x) else (0xFFFF_FFFF if x > 0 else 0)),
        ("vcvta.s32.f64 s0, d1", 0 if math.isnan(x) else (0x7FFF_FFFF if x > 0 else 0x8000_0000)),
    ):
        regs = FakeRegs()
        regs.d[1] = bits(x)
        run(insn, regs)
        assert (regs.read_s(0), flags(regs.fpscr)) == (expected, IOC), insn


@settings(deadline=None, database=None)
@given(raw=st.integers(0, 2**32 - 1), mode=modes)
def test_convert_from_integer(raw, mode) -> None:
    for insn, value in (
        ("vcvt.f64.u32 d0, s3", raw),
        ("vcvt.f64.s32 d0, s3", raw - (raw >> 31 << 32)),
    ):
        regs = FakeRegs(mode << 22)
        regs.write_s(3, raw)
        run(insn, regs)
        assert flt(regs.d[0]) == float(value) and flags(regs.fpscr) == 0


@pytest.mark.parametrize("x", [0.0, 1.0, -1.0, 0.3, -0.3, 2047.99, 2048.0, -2048.0, -2049.0, 1e10])
def test_convert_to_fixed_point(x) -> None:
    for insn, width, frac, signed in (
        ("vcvt.s16.f64 d0, d0, #4", 16, 4, True),
        ("vcvt.u16.f64 d0, d0, #16", 16, 16, False),
        ("vcvt.s32.f64 d0, d0, #1", 32, 1, True),
        ("vcvt.u32.f64 d0, d0, #32", 32, 32, False),
    ):
        regs = FakeRegs(RP << 22)  # VCVT to fixed ignores FPSCR and rounds toward zero
        regs.d[0] = bits(x)
        run(insn, regs)
        scaled = Fraction(x) * 2**frac
        value, overflow = saturate(math.trunc(scaled), signed, width)
        assert regs.d[0] == value & (2**64 - 1), (insn, x)  # sign- or zero-extended
        assert flags(regs.fpscr) == (IOC if overflow else IXC if scaled != value else 0)


def test_convert_from_fixed_point() -> None:
    for insn, raw, expected in (
        ("vcvt.f64.s16 d0, d0, #4", 0xFFFF_FFFF_FFFF_FFF8, -8 / 16),  # only the low 16 bits
        ("vcvt.f64.s16 d0, d0, #4", 0x0000_0000_1234_7FFF, 0x7FFF / 16),
        ("vcvt.f64.u16 d0, d0, #16", 0xFFFF_FFFF_FFFF_8001, 0x8001 / 65536),
        ("vcvt.f64.s32 d0, d0, #1", 0x0000_0000_8000_0001, (0x8000_0001 - 2**32) / 2),
        ("vcvt.f64.u32 d0, d0, #32", 0xFFFF_FFFF_FFFF_FFFF, (2**32 - 1) / 2**32),
    ):
        regs = FakeRegs()
        regs.d[0] = raw
        run(insn, regs)
        assert flt(regs.d[0]) == expected and flags(regs.fpscr) == 0, insn


@settings(max_examples=200, deadline=None, database=None)
@given(x=st.floats(), mode=modes)
def test_double_to_single(x, mode) -> None:
    regs = FakeRegs(mode << 22)
    regs.d[1] = bits(x)
    run("vcvt.f32.f64 s3, d1", regs)
    if math.isnan(x):
        assert regs.read_s(3) == ((bits(x) >> 32) & 0x8000_0000) | 0x7FC0_0000 | (
            (bits(x) >> 29) & 0x003F_FFFF
        )
        return
    with np.errstate(over="ignore"):
        f32 = np.float32(x)  # numpy rounds to nearest-even (and overflows to inf)
    inexact = not math.isinf(x) and (math.isinf(f32) or Fraction(float(f32)) != Fraction(x))
    if mode != RN and inexact:
        above = float(f32) > x
        target = None
        if mode == RP and not above:
            target = np.float32(np.inf)
        elif mode == RM and above:
            target = np.float32(-np.inf)
        elif mode == RZ and above == (x > 0):
            target = np.float32(0.0)
        if target is not None:
            f32 = np.nextafter(f32, target, dtype=np.float32)
    assert regs.read_s(3) == int(f32.view(np.uint32)), (x, mode)


@settings(deadline=None, database=None)
@given(raw=st.integers(0, 2**32 - 1))
def test_single_to_double_is_exact(raw) -> None:
    regs = FakeRegs()
    regs.write_s(3, raw)
    run("vcvt.f64.f32 d0, s3", regs)
    x = flt32(raw)
    if math.isnan(x):
        assert regs.d[0] == ((raw >> 31) << 63) | 0x7FF8 << 48 | (raw & 0x3F_FFFF) << 29
        assert flags(regs.fpscr) == (0 if raw & 0x40_0000 else IOC)
    else:
        assert regs.d[0] == bits(x) and flags(regs.fpscr) == 0


def test_double_to_single_flush_and_default_nan() -> None:
    regs = FakeRegs(FZ)
    regs.d[1] = bits(-1e-40)  # a float32 subnormal: flushed on output, raising UFC
    run("vcvt.f32.f64 s3, d1", regs)
    assert regs.read_s(3) == 0x8000_0000 and flags(regs.fpscr) == UFC
    regs = FakeRegs(DN)
    regs.d[1] = SNAN_B
    run("vcvt.f32.f64 s3, d1", regs)
    assert regs.read_s(3) == 0x7FC0_0000 and flags(regs.fpscr) == IOC


def test_single_denormal_flushes_when_fz() -> None:
    regs = FakeRegs(FZ)
    regs.write_s(3, 0x8000_0001)
    run("vcvt.f64.f32 d0, s3", regs)
    assert regs.d[0] == bits(-0.0) and flags(regs.fpscr) == IDC


@settings(deadline=None, database=None)
@given(half=st.integers(0, 0xFFFF))
def test_half_to_double(half) -> None:
    x = float(struct.unpack("<e", struct.pack("<H", half))[0])
    for insn, word in (
        ("vcvtb.f64.f16 d0, s3", 0xABCD_0000 | half),
        ("vcvtt.f64.f16 d0, s3", half << 16 | 0x1234),
    ):
        regs = FakeRegs(FZ)  # FZ never applies to half precision
        regs.write_s(3, word)
        run(insn, regs)
        if math.isnan(x):
            assert regs.d[0] >> 51 == ((half >> 15) << 12) | 0xFFF
            assert flags(regs.fpscr) == (0 if half & 0x200 else IOC)
        else:
            assert regs.d[0] == bits(x) and flags(regs.fpscr) == 0


@settings(max_examples=200, deadline=None, database=None)
@given(x=st.floats(width=32) | st.floats(-70000, 70000))
def test_double_to_half(x) -> None:
    if math.isnan(x):
        return
    with np.errstate(over="ignore"):
        expected = int(np.float16(x).view(np.uint16))  # nearest-even, inf on overflow
    for insn, shift in (("vcvtb.f16.f64 s3, d1", 0), ("vcvtt.f16.f64 s3, d1", 16)):
        regs = FakeRegs()
        regs.d[1] = bits(x)  # S3 is the top half of D1: the half not written must survive
        kept = regs.read_s(3) & (0xFFFF << (16 - shift))
        run(insn, regs)
        assert regs.read_s(3) == kept | expected << shift, x


def test_alternative_half_precision() -> None:
    regs = FakeRegs(AHP)
    regs.write_s(3, 0x7C00)  # exponent 31 is an ordinary number with AHP: 2**16
    run("vcvtb.f64.f16 d0, s3", regs)
    assert flt(regs.d[0]) == 65536.0
    for x, expected, flag in ((math.inf, 0x7FFF, IOC), (-math.nan, 0x8000, IOC), (1e9, 0x7FFF, IOC)):
        regs = FakeRegs(AHP)
        regs.d[1] = bits(x)
        run("vcvtb.f16.f64 s3, d1", regs)
        assert (regs.read_s(3) & 0xFFFF, flags(regs.fpscr)) == (expected, flag), x


ROUND_VALUES = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.3, -0.3, 2.0**52 + 1, -7.75, 1e300, 5e-324]


@pytest.mark.parametrize("x", ROUND_VALUES)
def test_round_to_integral(x) -> None:
    cases = [
        ("vrinta.f64 d0, d1", RZ, ties_away, False),
        ("vrintn.f64 d0, d1", RZ, ROUND_INT[RN], False),
        ("vrintp.f64 d0, d1", RZ, math.ceil, False),
        ("vrintm.f64 d0, d1", RZ, math.floor, False),
        ("vrintz.f64 d0, d1", RP, math.trunc, False),
        ("vrintr.f64 d0, d1", RM, math.floor, False),
        ("vrintx.f64 d0, d1", RP, math.ceil, True),
    ]
    for insn, mode, rounder, exact in cases:
        regs = FakeRegs(mode << 22)
        regs.d[1] = bits(x)
        run(insn, regs)
        expected = math.copysign(float(rounder(x)), x)  # zero keeps the operand's sign
        assert regs.d[0] == bits(expected), (insn, x)
        assert flags(regs.fpscr) == (IXC if exact and expected != x else 0), (insn, x)


def test_round_to_integral_specials() -> None:
    for raw, expected, flag in (
        (bits(-0.0), bits(-0.0), 0),
        (bits(-math.inf), bits(-math.inf), 0),
        (SNAN_B, SNAN_B | QUIET, IOC),
    ):
        regs = FakeRegs()
        regs.d[1] = raw
        run("vrintx.f64 d0, d1", regs)
        assert (regs.d[0], flags(regs.fpscr)) == (expected, flag)


# --- decoding ------------------------------------------------------------------------------


def test_high_registers_decode() -> None:
    regs = FakeRegs()
    regs.d[14], regs.d[13] = bits(0.25), bits(0.5)
    run("vadd.f64 d15, d14, d13", regs)
    assert flt(regs.d[15]) == 0.75


def double_operand_bits(name: str) -> list[int]:
    """The D/N/M bits that would make each D-register operand of `name` name D16-D31."""
    operands = name.split(None, 1)[1].split(", ")
    if operands[-1].startswith("#"):  # immediate forms: only Dd is a register field
        operands = operands[:1]
    fields = [22, 7, 5] if len(operands) == 3 else [22, 5]
    return [1 << bit for op, bit in zip(operands, fields, strict=False) if op.startswith("d")]


@pytest.mark.parametrize("name", sorted(ENC))
def test_d_bit_for_registers_above_d15_is_undefined(name) -> None:
    bits_to_set = double_operand_bits(name)
    assert bits_to_set
    for bit in bits_to_set:
        word = ENC[name] | bit
        assert not vfp.emulate(word >> 16, word & 0xFFFF, FakeRegs()), hex(bit)


@pytest.mark.parametrize("name", sorted(NATIVE))
def test_instructions_unicorn_runs_are_not_claimed(name) -> None:
    word = NATIVE[name]
    assert not vfp.emulate(word >> 16, word & 0xFFFF, FakeRegs())


def test_it_state_helpers() -> None:
    # ITETE GT: firstcond 1100, mask 1011; four advances leave the block.
    it = 0xCB
    xpsr = vfp.with_it_state(0x2100_0000, it)
    assert vfp.it_state(xpsr) == it and xpsr & 0xF9FF_03FF == 0x2100_0000
    conds = []
    while it:
        conds.append(it >> 4)
        it = vfp.next_it_state(it)
    assert conds == [0b1100, 0b1101, 0b1100, 0b1101]


# --- running real machine code in Unicorn --------------------------------------------------

AS = shutil.which("arm-none-eabi-as")
OBJCOPY = shutil.which("arm-none-eabi-objcopy")
needs_as = pytest.mark.skipif(AS is None or OBJCOPY is None, reason="arm-none-eabi-as/objcopy not installed")


def assemble(source: str, tmp_path: Path) -> bytes:
    src, obj, out = tmp_path / "a.s", tmp_path / "a.o", tmp_path / "a.bin"
    src.write_text(".syntax unified\n.thumb\n" + source + "\n")
    flags = ["-mcpu=cortex-m7", "-mthumb", "-mfpu=fpv5-d16"]
    subprocess.run([AS, *flags, "-o", obj, src], check=True, capture_output=True)
    subprocess.run([OBJCOPY, "-O", "binary", obj, out], check=True, capture_output=True)
    return out.read_bytes()


BASE = 0x1000


def make_uc(code: bytes):
    from unicorn import UC_ARCH_ARM, UC_HOOK_INSN_INVALID, UC_MODE_MCLASS, UC_MODE_THUMB, Uc
    from unicorn.arm_const import UC_ARM_REG_SP, UC_CPU_ARM_CORTEX_M7

    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M7)
    uc.mem_map(0, 0x10000)
    uc.mem_write(BASE, code)
    uc.reg_write(UC_ARM_REG_SP, 0x8000)
    hits: list[int] = []

    def hook(uc, user_data) -> bool:
        from unicorn.arm_const import UC_ARM_REG_PC

        hits.append(uc.reg_read(UC_ARM_REG_PC))
        return vfp.handle_invalid_instruction(uc, user_data)

    uc.hook_add(UC_HOOK_INSN_INVALID, hook)
    return uc, hits


@pytest.mark.sim
@needs_as
def test_encodings_match_assembler(tmp_path) -> None:
    table = {**ENC, **NATIVE}
    code = assemble("\n".join(table), tmp_path)
    words = [hw1 << 16 | hw2 for hw1, hw2 in struct.iter_unpack("<HH", code)]
    assert dict(zip(table, words, strict=True)) == table


@pytest.mark.sim
@needs_as
@pytest.mark.parametrize("name", sorted(ENC))
def test_unicorn_rejects_each_emulated_instruction_and_hook_matches_fake(name, tmp_path) -> None:
    from unicorn.arm_const import UC_ARM_REG_D0, UC_ARM_REG_FPSCR, UC_ARM_REG_XPSR

    uc, hits = make_uc(assemble(name, tmp_path))
    fake = FakeRegs(fpscr=RM << 22, apsr=0x6000_0000)
    for i in range(16):
        fake.d[i] = bits(1.25 + i) ^ (i << 3)
        uc.reg_write(UC_ARM_REG_D0 + i, fake.d[i])
    uc.reg_write(UC_ARM_REG_FPSCR, fake.fpscr)
    uc.reg_write(UC_ARM_REG_XPSR, 0x6100_0000)
    uc.emu_start(BASE | 1, BASE + 4)
    assert hits == [BASE]  # Unicorn did not run it natively
    run(name, fake)
    assert [uc.reg_read(UC_ARM_REG_D0 + i) for i in range(16)] == fake.d
    assert uc.reg_read(UC_ARM_REG_FPSCR) == fake.fpscr
    assert uc.reg_read(UC_ARM_REG_XPSR) == 0x6100_0000


@pytest.mark.sim
@needs_as
@pytest.mark.parametrize("name", sorted(NATIVE))
def test_unicorn_runs_native_instructions_itself(name, tmp_path) -> None:
    uc, hits = make_uc(assemble(name, tmp_path))
    uc.emu_start(BASE | 1, BASE + 4)
    assert hits == []


PROGRAM = """
    vmov d1, r0, r1          @ x
    vmov d2, r2, r3          @ y
    vmul.f64 d3, d1, d2
    vfma.f64 d3, d1, d1      @ x*y + x*x, fused
    vdiv.f64 d4, d3, d2
    vsqrt.f64 d5, d4
    vcvt.f32.f64 s12, d5
    vcvt.f64.f32 d7, s12
    vcvt.s32.f64 s16, d4
    vmov r4, s16
    vcmp.f64 d1, d2
    vmrs APSR_nzcv, fpscr
    ite gt
    vmovgt.f64 d9, d1
    vmovle.f64 d9, d2
    ite le
    movle r5, #1
    movgt r5, #2
    vmov r6, r7, d9
"""


@pytest.mark.sim
@needs_as
@pytest.mark.parametrize(("x", "y"), [(3.7, 1.9), (-2.5, 1.25)])
def test_program_in_unicorn_matches_python(x, y, tmp_path) -> None:
    from unicorn.arm_const import UC_ARM_REG_D0, UC_ARM_REG_R0

    code = assemble(PROGRAM, tmp_path)
    uc, hits = make_uc(code)
    for i, word in enumerate(struct.unpack("<4I", struct.pack("<dd", x, y))):
        uc.reg_write(UC_ARM_REG_R0 + i, word)
    uc.emu_start(BASE | 1, BASE + len(code))
    d = [flt(uc.reg_read(UC_ARM_REG_D0 + i)) for i in range(10)]
    fused = float(Fraction(x) * Fraction(y) + Fraction(x) * Fraction(x))
    assert d[3] == fused
    assert d[4] == fused / y
    assert d[5] == math.sqrt(fused / y)
    assert d[7] == float(np.float32(math.sqrt(fused / y)))
    r = [uc.reg_read(UC_ARM_REG_R0 + i) for i in range(8)]
    assert r[4] == math.trunc(fused / y) & 0xFFFF_FFFF
    bigger = x > y
    assert d[9] == (x if bigger else y)
    assert r[5] == (2 if bigger else 1)  # the IT block after the DP moves still lines up
    assert len(hits) == 9  # eight DP instructions plus the one IT-block move that ran


IT_BLOCK = """
    cmp r0, r1
    itete gt
    vmovgt.f64 d0, d1
    movle r2, #1
    vaddgt.f64 d3, d1, d1
    movle r3, #1
    mov r4, #9
"""


@pytest.mark.sim
@needs_as
@pytest.mark.parametrize(("r0", "r1"), [(5, 3), (3, 5)])
def test_it_block_with_emulated_instructions(r0, r1, tmp_path) -> None:
    from unicorn.arm_const import UC_ARM_REG_D0, UC_ARM_REG_R0, UC_ARM_REG_XPSR

    code = assemble(IT_BLOCK, tmp_path)
    uc, hits = make_uc(code)
    uc.reg_write(UC_ARM_REG_R0, r0)
    uc.reg_write(UC_ARM_REG_R0 + 1, r1)
    for i in range(4):
        uc.reg_write(UC_ARM_REG_D0 + i, bits(10.0 + i))
    uc.emu_start(BASE | 1, BASE + len(code))
    taken = r0 > r1
    d = [flt(uc.reg_read(UC_ARM_REG_D0 + i)) for i in range(4)]
    assert d[0] == (11.0 if taken else 10.0)
    assert d[3] == (22.0 if taken else 13.0)
    regs = [uc.reg_read(UC_ARM_REG_R0 + i) for i in (2, 3, 4)]
    assert regs == ([0, 0, 9] if taken else [1, 1, 9])
    assert len(hits) == (2 if taken else 0)  # Unicorn skips failing DP instructions itself
    assert vfp.it_state(uc.reg_read(UC_ARM_REG_XPSR)) == 0


@pytest.mark.sim
@needs_as
def test_unknown_instruction_still_stops_unicorn(tmp_path) -> None:
    from unicorn import UC_ERR_INSN_INVALID, UcError

    # vadd.f64 with the D bit set names D16, which fpv5-d16 does not have.
    uc, hits = make_uc(assemble(".inst.w 0xEE710B02", tmp_path))
    with pytest.raises(UcError) as error:
        uc.emu_start(BASE | 1, BASE + 4)
    assert error.value.errno == UC_ERR_INSN_INVALID and hits == [BASE]
