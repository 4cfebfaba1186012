"""Emulate the FPv5 double-precision VFP instructions that Unicorn's Cortex-M7 model rejects.

Unicorn 2.1.4 (Cortex-M7, Thumb + M-class) runs single-precision VFP, including the FPv5
VSEL/VMAXNM/VRINT/VCVTA forms, but ends the run with UC_ERR_INSN_INVALID on every
double-precision data-processing instruction. Found by experiment:

* Accepted natively: VLDR/VSTR/VLDM/VSTM/VPUSH/VPOP of D registers, VMOV between two core
  registers and a D register (``vmov r0, r1, d0`` and ``vmov d0, r0, r1``), VMOV of two S
  registers, VMRS/VMSR, and all single-precision data processing.
* Rejected (so emulated here): VMOV.F64 (register and immediate), VABS, VNEG, VSQRT, VADD,
  VSUB, VMUL, VNMUL, VDIV, VMLA, VMLS, VNMLA, VNMLS, VFMA, VFMS, VFNMA, VFNMS, VCMP(E),
  VCVT F64<->F32 (``vcvt.f64.f32`` too, although its size bit says single), VCVT(R)
  F64<->S32/U32, VCVT F64<->fixed-point, VCVTB/VCVTT F64<->F16, and the FPv5 VSEL, VMAXNM,
  VMINNM, VRINTA/N/P/M/Z/R/X and VCVTA/N/P/M with a double operand.

IT blocks, found by experiment: the UC_HOOK_INSN_INVALID callback runs only when the
instruction's IT condition passes (a failing one is skipped by Unicorn, which also advances
ITSTATE for it). When the hook runs, EPSR.IT (XPSR bits 15:10 and 26:25) still holds the
state *of the rejected instruction*, and Unicorn does not advance it when the hook moves PC:
the rest of the block then runs under stale conditions (instructions that should be skipped
execute and vice versa). The hook must therefore advance ITSTATE itself; writing XPSR from
the hook takes effect. ``handle_invalid_instruction`` does all of this and is the callback
the engine installs; ``advance_it_state`` is the piece for callers that do their own.

Semantics follow the ARMv7-M ARM (DDI 0403E) pseudocode (FPUnpack, FPRound, FPProcessNaNs,
FPMulAdd, FPToFixed, ...): FPSCR rounding mode, FZ, DN and AHP are honoured and the
cumulative flags IOC, DZC, OFC, UFC, IXC and IDC are set. Arithmetic is exact on Fractions
and rounded once, because Python offers neither directed rounding nor a fused multiply-add.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from fractions import Fraction
from math import isqrt
from typing import NamedTuple, Protocol, runtime_checkable

from unicorn import Uc, UcError
from unicorn import arm_const as arm


class FpRegisterFile(Protocol):
    """The registers an emulated instruction reads and writes, as raw bit patterns."""

    def read_d(self, n: int) -> int: ...  # raw 64-bit pattern
    def write_d(self, n: int, raw: int) -> None: ...
    def read_s(self, n: int) -> int: ...  # raw 32-bit pattern
    def write_s(self, n: int, raw: int) -> None: ...
    def read_r(self, n: int) -> int: ...  # core register 0..14 (15 = PC not needed)
    def write_r(self, n: int, value: int) -> None: ...
    def read_fpscr(self) -> int: ...
    def write_fpscr(self, value: int) -> None: ...


@runtime_checkable
class ApsrReader(Protocol):
    """Extra capability VSEL needs: the APSR (N, Z, C, V in bits 31..28)."""

    def read_apsr(self) -> int: ...


# FPSCR fields: cumulative exception flags (IDC is bit 7) and the controls we honour.
IOC, DZC, OFC, UFC, IXC, IDC = 1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 4, 1 << 7
FPSCR_AHP, FPSCR_DN, FPSCR_FZ = 1 << 26, 1 << 25, 1 << 24
RMODE_SHIFT = 22


class Rounding(IntEnum):
    """Rounding modes; the first four are the FPSCR.RMode encodings."""

    NEAREST_EVEN = 0
    PLUS_INF = 1
    MINUS_INF = 2
    ZERO = 3
    NEAREST_AWAY = 4  # only VRINTA / VCVTA


@dataclass(frozen=True)
class _Format:
    """An IEEE 754 binary format: total width and fraction-field width."""

    width: int
    frac_bits: int

    @property
    def exp_bits(self) -> int:
        return self.width - 1 - self.frac_bits

    @property
    def exp_max(self) -> int:
        return (1 << self.exp_bits) - 1

    @property
    def bias(self) -> int:
        return (1 << (self.exp_bits - 1)) - 1

    @property
    def min_exp(self) -> int:
        return 1 - self.bias

    @property
    def sign_bit(self) -> int:
        return 1 << (self.width - 1)

    @property
    def quiet_bit(self) -> int:
        return 1 << (self.frac_bits - 1)

    @property
    def infinity(self) -> int:
        return self.exp_max << self.frac_bits

    @property
    def default_nan(self) -> int:
        return self.infinity | self.quiet_bit

    @property
    def is_half(self) -> bool:
        return self.width == 16


F16, F32, F64 = _Format(16, 10), _Format(32, 23), _Format(64, 52)


class _Kind(IntEnum):
    ZERO = 0
    NONZERO = 1
    INFINITY = 2
    QNAN = 3
    SNAN = 4


# Stands in for an infinity's magnitude in comparisons: larger than any finite double.
_HUGE = Fraction(1 << 1100)


class _Val(NamedTuple):
    """An unpacked operand: kind, sign bit and exact signed value (0 for NaNs)."""

    kind: _Kind
    sign: int
    value: Fraction

    @property
    def is_nan(self) -> bool:
        return self.kind >= _Kind.QNAN


class _Ctx:
    """The FPSCR seen by one instruction, and the exception flags it raises."""

    def __init__(self, fpscr: int) -> None:
        self.fpscr = fpscr
        self.flags = 0

    @property
    def rounding(self) -> Rounding:
        return Rounding((self.fpscr >> RMODE_SHIFT) & 3)

    @property
    def fz(self) -> bool:
        return bool(self.fpscr & FPSCR_FZ)

    @property
    def dn(self) -> bool:
        return bool(self.fpscr & FPSCR_DN)

    @property
    def ahp(self) -> bool:
        return bool(self.fpscr & FPSCR_AHP)


def _pow2(k: int) -> Fraction:
    return Fraction(1 << k) if k >= 0 else Fraction(1, 1 << -k)


# --- FPUnpack, FPRound and NaN handling -------------------------------------------------


def _unpack(ctx: _Ctx, raw: int, fmt: _Format) -> _Val:
    """FPUnpack: classify raw bits; FZ flushes single/double denormals (raising IDC)."""
    sign = (raw >> (fmt.width - 1)) & 1
    exp = (raw >> fmt.frac_bits) & fmt.exp_max
    frac = raw & (fmt.quiet_bit * 2 - 1)
    if exp == 0:
        if frac == 0 or (ctx.fz and not fmt.is_half):
            if frac:
                ctx.flags |= IDC
            return _Val(_Kind.ZERO, sign, Fraction(0))
        magnitude = Fraction(frac) * _pow2(fmt.min_exp - fmt.frac_bits)
    elif exp == fmt.exp_max and not (fmt.is_half and ctx.ahp):
        if frac == 0:
            return _Val(_Kind.INFINITY, sign, -_HUGE if sign else _HUGE)
        kind = _Kind.QNAN if frac & fmt.quiet_bit else _Kind.SNAN
        return _Val(kind, sign, Fraction(0))
    else:
        magnitude = Fraction(frac | (1 << fmt.frac_bits)) * _pow2(exp - fmt.bias - fmt.frac_bits)
    return _Val(_Kind.NONZERO, sign, -magnitude if sign else magnitude)


def _round_int(num: int, den: int, mode: Rounding, negative: bool) -> tuple[int, bool]:
    """Round the magnitude num/den to an integer under `mode`; also say if it was inexact."""
    quotient, remainder = divmod(num, den)
    if remainder == 0:
        return quotient, False
    twice = 2 * remainder
    if mode is Rounding.NEAREST_EVEN:
        up = twice > den or (twice == den and quotient & 1 == 1)
    elif mode is Rounding.NEAREST_AWAY:
        up = twice >= den
    elif mode is Rounding.PLUS_INF:
        up = not negative
    elif mode is Rounding.MINUS_INF:
        up = negative
    else:
        up = False
    return quotient + up, True


def _overflows_to_inf(mode: Rounding, negative: bool) -> bool:
    if mode in (Rounding.NEAREST_EVEN, Rounding.NEAREST_AWAY):
        return True
    if mode is Rounding.PLUS_INF:
        return not negative
    return mode is Rounding.MINUS_INF and negative


def _round(ctx: _Ctx, value: Fraction, fmt: _Format, mode: Rounding | None = None) -> int:
    """FPRound: round a nonzero exact value to `fmt` bits, with Arm's FZ and flag rules."""
    mode = ctx.rounding if mode is None else mode
    negative = value < 0
    sign = fmt.sign_bit if negative else 0
    num, den = abs(value.numerator), value.denominator
    exponent = num.bit_length() - den.bit_length()
    if (num << max(-exponent, 0)) < (den << max(exponent, 0)):
        exponent -= 1
    if ctx.fz and not fmt.is_half and exponent < fmt.min_exp:
        ctx.flags |= UFC  # tininess before rounding, as the pseudocode says
        return sign
    biased = max(exponent - fmt.min_exp + 1, 0)
    shift = fmt.frac_bits - max(exponent, fmt.min_exp)
    if shift >= 0:
        mant, inexact = _round_int(num << shift, den, mode, negative)
    else:
        mant, inexact = _round_int(num, den << -shift, mode, negative)
    if biased == 0 and inexact:
        ctx.flags |= UFC
    if biased == 0 and mant == 1 << fmt.frac_bits:
        biased = 1  # rounded up from denormal to the smallest normal
    if mant == 1 << (fmt.frac_bits + 1):
        biased, mant = biased + 1, mant >> 1
    if fmt.is_half and ctx.ahp:
        if biased > fmt.exp_max:
            ctx.flags |= IOC
            return sign | (fmt.sign_bit - 1)
    elif biased >= fmt.exp_max:
        ctx.flags |= OFC | IXC
        if _overflows_to_inf(mode, negative):
            return sign | fmt.infinity
        return sign | (fmt.infinity - 1)
    if inexact:
        ctx.flags |= IXC
    return sign | (biased << fmt.frac_bits) | (mant & (fmt.quiet_bit * 2 - 1))


def _process_nan(ctx: _Ctx, op: _Val, raw: int, fmt: _Format) -> int:
    """FPProcessNaN: quieten a signalling NaN (raising IOC), or give the default NaN."""
    if op.kind is _Kind.SNAN:
        ctx.flags |= IOC
        raw |= fmt.quiet_bit
    return fmt.default_nan if ctx.dn else raw


def _process_nans(ctx: _Ctx, ops: list[tuple[_Val, int]], fmt: _Format) -> int | None:
    """FPProcessNaNs(3): the first signalling NaN wins, then the first quiet one."""
    for kind in (_Kind.SNAN, _Kind.QNAN):
        for op, raw in ops:
            if op.kind is kind:
                return _process_nan(ctx, op, raw, fmt)
    return None


def _neg(raw: int) -> int:
    """FPNeg: flip the sign bit of a double, NaNs included; never raises."""
    return raw ^ F64.sign_bit


def _abs(raw: int) -> int:
    return raw & ~F64.sign_bit


def _exact_zero_sign(ctx: _Ctx) -> int:
    """Sign of an exact zero sum of opposite values: minus only when rounding to -inf."""
    return F64.sign_bit if ctx.rounding is Rounding.MINUS_INF else 0


# --- Arithmetic on raw doubles ------------------------------------------------------------


def _add(ctx: _Ctx, a: int, b: int, subtract: bool = False) -> int:
    """FPAdd / FPSub."""
    va, vb = _unpack(ctx, a, F64), _unpack(ctx, b, F64)
    nan = _process_nans(ctx, [(va, a), (vb, b)], F64)
    if nan is not None:
        return nan
    sign_b = vb.sign ^ subtract
    value_b = -vb.value if subtract else vb.value
    if va.kind is _Kind.INFINITY and vb.kind is _Kind.INFINITY and va.sign != sign_b:
        ctx.flags |= IOC
        return F64.default_nan
    if va.kind is _Kind.INFINITY or vb.kind is _Kind.INFINITY:
        sign = va.sign if va.kind is _Kind.INFINITY else sign_b
        return (sign << 63) | F64.infinity
    if va.kind is _Kind.ZERO and vb.kind is _Kind.ZERO and va.sign == sign_b:
        return va.sign << 63
    total = va.value + value_b
    return _round(ctx, total, F64) if total else _exact_zero_sign(ctx)


def _mul(ctx: _Ctx, a: int, b: int) -> int:
    """FPMul."""
    va, vb = _unpack(ctx, a, F64), _unpack(ctx, b, F64)
    nan = _process_nans(ctx, [(va, a), (vb, b)], F64)
    if nan is not None:
        return nan
    kinds = {va.kind, vb.kind}
    if kinds == {_Kind.INFINITY, _Kind.ZERO}:
        ctx.flags |= IOC
        return F64.default_nan
    sign = (va.sign ^ vb.sign) << 63
    if _Kind.INFINITY in kinds:
        return sign | F64.infinity
    if _Kind.ZERO in kinds:
        return sign
    return _round(ctx, va.value * vb.value, F64)


def _div(ctx: _Ctx, a: int, b: int) -> int:
    """FPDiv."""
    va, vb = _unpack(ctx, a, F64), _unpack(ctx, b, F64)
    nan = _process_nans(ctx, [(va, a), (vb, b)], F64)
    if nan is not None:
        return nan
    if va.kind is vb.kind and va.kind in (_Kind.INFINITY, _Kind.ZERO):
        ctx.flags |= IOC
        return F64.default_nan
    sign = (va.sign ^ vb.sign) << 63
    if va.kind is _Kind.INFINITY or vb.kind is _Kind.ZERO:
        if va.kind is not _Kind.INFINITY:
            ctx.flags |= DZC
        return sign | F64.infinity
    if va.kind is _Kind.ZERO or vb.kind is _Kind.INFINITY:
        return sign
    return _round(ctx, va.value / vb.value, F64)


def _sqrt(ctx: _Ctx, a: int) -> int:
    """FPSqrt: rounded once from an integer square root carrying a sticky bit."""
    va = _unpack(ctx, a, F64)
    if va.is_nan:
        return _process_nan(ctx, va, a, F64)
    if va.kind is _Kind.ZERO or (va.kind is _Kind.INFINITY and not va.sign):
        return a if va.kind is _Kind.INFINITY else va.sign << 63
    if va.sign:
        ctx.flags |= IOC
        return F64.default_nan
    num, den = va.value.numerator, va.value.denominator  # den is a power of two
    den_log = den.bit_length() - 1
    # Scale num by 2**shift (keeping the total power of two even) to ~240 bits, so the
    # integer root has far more bits than a double: then root + 1/2 rounds like the real root.
    shift = max(240 - num.bit_length(), 0)
    shift += (shift + den_log) & 1
    scaled = num << shift
    root = isqrt(scaled)
    half_log = (shift + den_log) // 2
    if root * root == scaled:
        return _round(ctx, Fraction(root) * _pow2(-half_log), F64)
    return _round(ctx, Fraction(2 * root + 1) * _pow2(-half_log - 1), F64)


def _mul_add(ctx: _Ctx, addend: int, a: int, b: int) -> int:
    """FPMulAdd: addend + a*b with a single rounding."""
    vc, va, vb = (_unpack(ctx, x, F64) for x in (addend, a, b))
    inf_times_zero = {va.kind, vb.kind} == {_Kind.INFINITY, _Kind.ZERO}
    nan = _process_nans(ctx, [(vc, addend), (va, a), (vb, b)], F64)
    if vc.kind is _Kind.QNAN and inf_times_zero:
        ctx.flags |= IOC
        return F64.default_nan
    if nan is not None:
        return nan
    sign_p = va.sign ^ vb.sign
    inf_p = _Kind.INFINITY in (va.kind, vb.kind)
    zero_p = _Kind.ZERO in (va.kind, vb.kind)
    inf_c = vc.kind is _Kind.INFINITY
    if inf_times_zero or (inf_c and inf_p and vc.sign != sign_p):
        ctx.flags |= IOC
        return F64.default_nan
    if inf_c or inf_p:
        return ((vc.sign if inf_c else sign_p) << 63) | F64.infinity
    if vc.kind is _Kind.ZERO and zero_p and vc.sign == sign_p:
        return vc.sign << 63
    total = vc.value + va.value * vb.value
    return _round(ctx, total, F64) if total else _exact_zero_sign(ctx)


def _compare(ctx: _Ctx, a: int, b: int, quiet_nan_exc: bool) -> int:
    """FPCompare: the NZCV flags (as bits 3..0) for a VCMP/VCMPE of two doubles."""
    va, vb = _unpack(ctx, a, F64), _unpack(ctx, b, F64)
    if va.is_nan or vb.is_nan:
        if quiet_nan_exc or _Kind.SNAN in (va.kind, vb.kind):
            ctx.flags |= IOC
        return 0b0011
    if va.value == vb.value:
        return 0b0110
    return 0b1000 if va.value < vb.value else 0b0010


def _max_min(ctx: _Ctx, a: int, b: int, is_max: bool, numeric: bool) -> int:
    """FPMax/FPMin, or FPMaxNum/FPMinNum when `numeric` (a lone quiet NaN loses)."""
    va, vb = _unpack(ctx, a, F64), _unpack(ctx, b, F64)
    if numeric and (va.kind is _Kind.QNAN) != (vb.kind is _Kind.QNAN):
        loser = (F64.sign_bit if is_max else 0) | F64.infinity
        if va.kind is _Kind.QNAN:
            a, va = loser, _unpack(ctx, loser, F64)
        else:
            b, vb = loser, _unpack(ctx, loser, F64)
    nan = _process_nans(ctx, [(va, a), (vb, b)], F64)
    if nan is not None:
        return nan
    first = va.value > vb.value if is_max else va.value < vb.value
    pick = va if first else vb
    if pick.kind is _Kind.INFINITY:
        return (pick.sign << 63) | F64.infinity
    if pick.kind is _Kind.ZERO:
        return (va.sign & vb.sign if is_max else va.sign | vb.sign) << 63
    return _round(ctx, pick.value, F64)


def _round_to_integral(ctx: _Ctx, a: int, mode: Rounding, exact: bool) -> int:
    """FPRoundInt: VRINT*; `exact` (VRINTX) raises IXC when the value changes."""
    va = _unpack(ctx, a, F64)
    if va.is_nan:
        return _process_nan(ctx, va, a, F64)
    if va.kind is not _Kind.NONZERO:
        return (va.sign << 63) | (F64.infinity if va.kind is _Kind.INFINITY else 0)
    value = va.value
    magnitude, inexact = _round_int(abs(value.numerator), value.denominator, mode, value < 0)
    if inexact and exact:
        ctx.flags |= IXC
    if magnitude == 0:
        return va.sign << 63
    return _round(ctx, Fraction(-magnitude if va.sign else magnitude), F64, Rounding.ZERO)


def _to_fixed(
    ctx: _Ctx, raw: int, fmt: _Format, width: int, frac_bits: int, unsigned: bool, mode: Rounding
) -> int:
    """FPToFixed: saturating conversion to a `width`-bit integer with `frac_bits` fraction
    bits; NaNs give 0, and NaNs or saturation raise IOC (inexactness then is not reported)."""
    op = _unpack(ctx, raw, fmt)
    low, high = (0, (1 << width) - 1) if unsigned else (-(1 << (width - 1)), (1 << (width - 1)) - 1)
    if op.is_nan:
        ctx.flags |= IOC
        return 0
    if op.kind is _Kind.INFINITY:
        ctx.flags |= IOC
        return (low if op.sign else high) & ((1 << width) - 1)
    scaled = op.value * _pow2(frac_bits)
    magnitude, inexact = _round_int(abs(scaled.numerator), scaled.denominator, mode, scaled < 0)
    result = -magnitude if scaled < 0 else magnitude
    if not low <= result <= high:
        ctx.flags |= IOC
        result = min(max(result, low), high)
    elif inexact:
        ctx.flags |= IXC
    return result & ((1 << width) - 1)


def _from_fixed(ctx: _Ctx, bits: int, width: int, frac_bits: int, unsigned: bool, mode: Rounding) -> int:
    """FixedToFP: a `width`-bit integer with `frac_bits` fraction bits to a double."""
    value = bits & ((1 << width) - 1)
    if not unsigned and value >> (width - 1):
        value -= 1 << width
    if value == 0:
        return 0
    return _round(ctx, Fraction(value) * _pow2(-frac_bits), F64, mode)


def _convert(ctx: _Ctx, raw: int, src: _Format, dst: _Format) -> int:
    """FPConvert between precisions: NaNs keep their top fraction bits; AHP rules for F16."""
    op = _unpack(ctx, raw, src)
    sign = dst.sign_bit if op.sign else 0
    alt_half = dst.is_half and ctx.ahp
    if op.is_nan:
        if op.kind is _Kind.SNAN or alt_half:
            ctx.flags |= IOC
        if alt_half:
            return sign
        if ctx.dn:
            return dst.default_nan
        frac = raw & (src.quiet_bit * 2 - 1)
        moved = (
            frac << (dst.frac_bits - src.frac_bits)
            if dst.frac_bits > src.frac_bits
            else (frac >> (src.frac_bits - dst.frac_bits))
        )
        return sign | dst.infinity | dst.quiet_bit | moved
    if op.kind is _Kind.INFINITY:
        if alt_half:
            ctx.flags |= IOC
            return sign | (dst.sign_bit - 1)
        return sign | dst.infinity
    if op.kind is _Kind.ZERO:
        return sign
    return _round(ctx, op.value, dst)


def expand_imm64(imm8: int) -> int:
    """VFPExpandImm for a double: the 8-bit VMOV immediate as raw 64-bit bits."""
    b6 = (imm8 >> 6) & 1
    exponent = ((b6 ^ 1) << 10) | ((0xFF if b6 else 0) << 2) | ((imm8 >> 4) & 3)
    return ((imm8 >> 7) << 63) | (exponent << 52) | ((imm8 & 0xF) << 48)


def condition_holds(cond: int, apsr: int) -> bool:
    """ConditionPassed for a 4-bit condition code against APSR flags (bits 31..28)."""
    n, z, c, v = ((apsr >> bit) & 1 for bit in (31, 30, 29, 28))
    base = (z, c, n, v, c and not z, n == v, n == v and not z, True)[cond >> 1]
    return bool(base) != (cond & 1 == 1 and cond != 0xF)


# --- Decoding ------------------------------------------------------------------------------

_Op = Callable[[FpRegisterFile, _Ctx], None]
_Dp3 = Callable[[_Ctx, int, int, int], int]  # (ctx, Dd, Dn, Dm) -> new Dd

# Three-register operations keyed by (opc1 with D masked out, bit 6).
_THREE_REG: dict[tuple[int, int], _Dp3] = {
    (0b0000, 0): lambda c, d, n, m: _add(c, d, _mul(c, n, m)),  # VMLA
    (0b0000, 1): lambda c, d, n, m: _add(c, d, _neg(_mul(c, n, m))),  # VMLS
    (0b0001, 0): lambda c, d, n, m: _add(c, _neg(d), _mul(c, n, m)),  # VNMLS
    (0b0001, 1): lambda c, d, n, m: _add(c, _neg(d), _neg(_mul(c, n, m))),  # VNMLA
    (0b0010, 0): lambda c, d, n, m: _mul(c, n, m),  # VMUL
    (0b0010, 1): lambda c, d, n, m: _neg(_mul(c, n, m)),  # VNMUL
    (0b0011, 0): lambda c, d, n, m: _add(c, n, m),  # VADD
    (0b0011, 1): lambda c, d, n, m: _add(c, n, m, subtract=True),  # VSUB
    (0b1000, 0): lambda c, d, n, m: _div(c, n, m),  # VDIV
    (0b1001, 0): lambda c, d, n, m: _mul_add(c, _neg(d), n, m),  # VFNMS
    (0b1001, 1): lambda c, d, n, m: _mul_add(c, _neg(d), _neg(n), m),  # VFNMA
    (0b1010, 0): lambda c, d, n, m: _mul_add(c, d, n, m),  # VFMA
    (0b1010, 1): lambda c, d, n, m: _mul_add(c, d, _neg(n), m),  # VFMS
}

# FPv5 VRINT{A,N,P,M} / VCVT{A,N,P,M}: the RM field (bits 17:16) to a rounding mode.
_DIRECTED = (Rounding.NEAREST_AWAY, Rounding.NEAREST_EVEN, Rounding.PLUS_INF, Rounding.MINUS_INF)


class _Fields:
    """Register fields of a VFP data-processing word; None marks a D register above D15."""

    def __init__(self, insn: int) -> None:
        vd, vn, vm = (insn >> 12) & 0xF, (insn >> 16) & 0xF, insn & 0xF
        d, n, m = (insn >> 22) & 1, (insn >> 7) & 1, (insn >> 5) & 1
        self.dd: int | None = vd if d == 0 else None  # fpv5-d16: D16-D31 are UNDEFINED
        self.dn: int | None = vn if n == 0 else None
        self.dm: int | None = vm if m == 0 else None
        self.sd = (vd << 1) | d
        self.sm = (vm << 1) | m


def _dp3(f: _Fields, fn: _Dp3) -> _Op | None:
    d, n, m = f.dd, f.dn, f.dm
    if d is None or n is None or m is None:
        return None

    def run(regs: FpRegisterFile, ctx: _Ctx) -> None:
        regs.write_d(d, fn(ctx, regs.read_d(d), regs.read_d(n), regs.read_d(m)))

    return run


def _dp2(f: _Fields, fn: Callable[[_Ctx, int], int]) -> _Op | None:
    d, m = f.dd, f.dm
    if d is None or m is None:
        return None

    def run(regs: FpRegisterFile, ctx: _Ctx) -> None:
        regs.write_d(d, fn(ctx, regs.read_d(m)))

    return run


def _d_to_s(f: _Fields, fn: Callable[[_Ctx, int], int]) -> _Op | None:
    m, sd = f.dm, f.sd
    if m is None:
        return None

    def run(regs: FpRegisterFile, ctx: _Ctx) -> None:
        regs.write_s(sd, fn(ctx, regs.read_d(m)))

    return run


def _s_to_d(f: _Fields, fn: Callable[[_Ctx, int], int]) -> _Op | None:
    d, sm = f.dd, f.sm
    if d is None:
        return None

    def run(regs: FpRegisterFile, ctx: _Ctx) -> None:
        regs.write_d(d, fn(ctx, regs.read_s(sm)))

    return run


def _decode_vmov_imm(f: _Fields, imm: int) -> _Op | None:
    d = f.dd
    if d is None:
        return None

    def run(regs: FpRegisterFile, ctx: _Ctx) -> None:
        regs.write_d(d, imm)

    return run


def _decode_half(insn: int, f: _Fields) -> _Op | None:
    """VCVTB/VCVTT between F64 and the bottom/top half of an S register."""
    shift = 16 if insn & (1 << 7) else 0
    if insn & (1 << 16) == 0:
        return _s_to_d(f, lambda c, s: _convert(c, (s >> shift) & 0xFFFF, F16, F64))
    dm, sd = f.dm, f.sd
    if dm is None:
        return None

    def run(regs: FpRegisterFile, ctx: _Ctx) -> None:
        half = _convert(ctx, regs.read_d(dm), F64, F16)
        kept = regs.read_s(sd) & ~(0xFFFF << shift) & 0xFFFFFFFF
        regs.write_s(sd, kept | (half << shift))

    return run


def _decode_compare(insn: int, f: _Fields, with_zero: bool) -> _Op | None:
    d, m, quiet_nan_exc = f.dd, f.dm, bool(insn & (1 << 7))
    if d is None or (m is None and not with_zero):
        return None

    def run(regs: FpRegisterFile, ctx: _Ctx) -> None:
        other = 0 if with_zero or m is None else regs.read_d(m)
        nzcv = _compare(ctx, regs.read_d(d), other, quiet_nan_exc)
        ctx.fpscr = (ctx.fpscr & 0x0FFFFFFF) | (nzcv << 28)

    return run


def _decode_fixed(insn: int, f: _Fields) -> _Op | None:
    """VCVT between F64 and fixed-point in the same D register (to fixed rounds to zero)."""
    d = f.dd
    width = 32 if insn & (1 << 7) else 16
    frac_bits = width - (((insn & 0xF) << 1) | ((insn >> 5) & 1))
    unsigned, to_fixed = bool(insn & (1 << 16)), bool(insn & (1 << 18))
    if d is None or frac_bits < 0:
        return None

    def run(regs: FpRegisterFile, ctx: _Ctx) -> None:
        raw = regs.read_d(d)
        if not to_fixed:
            regs.write_d(d, _from_fixed(ctx, raw, width, frac_bits, unsigned, Rounding.NEAREST_EVEN))
            return
        result = _to_fixed(ctx, raw, F64, width, frac_bits, unsigned, Rounding.ZERO)
        if not unsigned and result >> (width - 1):
            result |= ((1 << 64) - 1) ^ ((1 << width) - 1)  # sign-extend into the D register
        regs.write_d(d, result)

    return run


def _decode_other(insn: int, f: _Fields) -> _Op | None:
    """The opc1 = 1x11 group: VMOV immediate and the two-register operations."""
    sz, opc2, opc3 = (insn >> 8) & 1, (insn >> 16) & 0xF, (insn >> 6) & 3
    if opc3 & 1 == 0:  # VMOV immediate
        return _decode_vmov_imm(f, expand_imm64(((insn >> 12) & 0xF0) | (insn & 0xF))) if sz else None
    if opc2 == 0b0111 and opc3 == 0b11:  # VCVT between double and single
        if sz:
            return _d_to_s(f, lambda c, x: _convert(c, x, F64, F32))
        return _s_to_d(f, lambda c, x: _convert(c, x, F32, F64))
    if not sz:
        return None
    top = opc3 == 0b11
    if opc2 == 0b0000:
        return _dp2(f, lambda c, x: _abs(x) if top else x)  # VABS / VMOV
    if opc2 == 0b0001:
        return _dp2(f, _sqrt if top else (lambda c, x: _neg(x)))  # VSQRT / VNEG
    if opc2 in (0b0010, 0b0011):
        return _decode_half(insn, f)
    if opc2 in (0b0100, 0b0101):
        return _decode_compare(insn, f, with_zero=opc2 == 0b0101)
    if opc2 == 0b0110:  # VRINTZ / VRINTR
        return _dp2(f, lambda c, x: _round_to_integral(c, x, Rounding.ZERO if top else c.rounding, False))
    if opc2 == 0b0111:  # VRINTX
        return _dp2(f, lambda c, x: _round_to_integral(c, x, c.rounding, True))
    if opc2 == 0b1000:  # VCVT.F64.S32 / .U32, rounding as FPSCR says
        unsigned = not top
        return _s_to_d(f, lambda c, s: _from_fixed(c, s, 32, 0, unsigned, c.rounding))
    if opc2 & 0b1010 == 0b1010:
        return _decode_fixed(insn, f)
    if opc2 in (0b1100, 0b1101):  # VCVT (round to zero) / VCVTR to S32 / U32
        unsigned = opc2 == 0b1100
        return _d_to_s(
            f,
            lambda c, x: _to_fixed(c, x, F64, 32, 0, unsigned, Rounding.ZERO if top else c.rounding),
        )
    return None


def _decode_vfp(insn: int) -> _Op | None:
    """Conditional VFP data processing, 1110 1110 xxxx xxxx xxxx 101x xxx0 xxxx."""
    f = _Fields(insn)
    opc1 = (insn >> 20) & 0b1011
    if opc1 == 0b1011:
        return _decode_other(insn, f)
    fn = _THREE_REG.get((opc1, (insn >> 6) & 1))
    if fn is None or not insn & (1 << 8):
        return None
    return _dp3(f, fn)


def _decode_v8(insn: int) -> _Op | None:
    """FPv5 unconditional forms, 1111 1110 ...: VSEL, VMAXNM/VMINNM, VRINTx, VCVTx."""
    f = _Fields(insn)
    if not insn & (1 << 8):
        return None
    if not insn & (1 << 23):  # VSEL
        if insn & (1 << 6):
            return None
        cc = (insn >> 20) & 3
        cond = (cc << 2) | ((((cc >> 1) ^ cc) & 1) << 1)
        return _decode_vsel(f, cond)
    group, bit6 = (insn >> 20) & 3, (insn >> 6) & 1
    if group == 0b00:
        is_max = bit6 == 0
        return _dp3(f, lambda c, d, n, m: _max_min(c, n, m, is_max, numeric=True))
    if group != 0b11 or not bit6 or not insn & (1 << 19):
        return None
    mode = _DIRECTED[(insn >> 16) & 3]
    if not insn & (1 << 18):  # VRINTA/N/P/M
        return None if insn & (1 << 7) else _dp2(f, lambda c, x: _round_to_integral(c, x, mode, False))
    unsigned = not insn & (1 << 7)
    return _d_to_s(f, lambda c, x: _to_fixed(c, x, F64, 32, 0, unsigned, mode))


def _decode_vsel(f: _Fields, cond: int) -> _Op | None:
    d, n, m = f.dd, f.dn, f.dm
    if d is None or n is None or m is None:
        return None

    def run(regs: FpRegisterFile, ctx: _Ctx) -> None:
        if not isinstance(regs, ApsrReader):
            raise TypeError("VSEL needs a register file with read_apsr()")
        regs.write_d(d, regs.read_d(n if condition_holds(cond, regs.read_apsr()) else m))

    return run


def decode(hw1: int, hw2: int) -> Callable[[FpRegisterFile], None] | None:
    """The executor for one 32-bit Thumb instruction, or None if this module has none."""
    insn = ((hw1 & 0xFFFF) << 16) | (hw2 & 0xFFFF)
    if insn & 0x00000E10 != 0x00000A00:  # coprocessor 10/11, bit 4 clear
        return None
    top = insn >> 24
    op = _decode_vfp(insn) if top == 0xEE else _decode_v8(insn) if top == 0xFE else None
    if op is None:
        return None

    def execute(regs: FpRegisterFile) -> None:
        before = regs.read_fpscr() & 0xFFFFFFFF
        ctx = _Ctx(before)
        op(regs, ctx)
        after = ctx.fpscr | ctx.flags
        if after != before:
            regs.write_fpscr(after)

    return execute


def emulate(hw1: int, hw2: int, regs: FpRegisterFile) -> bool:
    """Execute one 32-bit Thumb instruction (first halfword hw1, second hw2) if it is a
    double-precision VFP instruction this module implements; return False if it is not
    (the caller then reports an undefined instruction)."""
    execute = decode(hw1, hw2)
    if execute is None:
        return False
    execute(regs)
    return True


# --- Unicorn glue ------------------------------------------------------------------------

_R_REGS = tuple(getattr(arm, f"UC_ARM_REG_R{i}") for i in range(15))
_D_REGS = tuple(getattr(arm, f"UC_ARM_REG_D{i}") for i in range(16))
_S_REGS = tuple(getattr(arm, f"UC_ARM_REG_S{i}") for i in range(32))


class UnicornFpRegisters:
    """FpRegisterFile (plus read_apsr for VSEL) over a live Unicorn Cortex-M engine."""

    def __init__(self, uc: Uc) -> None:
        self._uc = uc

    def read_d(self, n: int) -> int:
        return int(self._uc.reg_read(_D_REGS[n])) & 0xFFFFFFFFFFFFFFFF

    def write_d(self, n: int, raw: int) -> None:
        self._uc.reg_write(_D_REGS[n], raw & 0xFFFFFFFFFFFFFFFF)

    def read_s(self, n: int) -> int:
        return int(self._uc.reg_read(_S_REGS[n])) & 0xFFFFFFFF

    def write_s(self, n: int, raw: int) -> None:
        self._uc.reg_write(_S_REGS[n], raw & 0xFFFFFFFF)

    def read_r(self, n: int) -> int:
        return int(self._uc.reg_read(_R_REGS[n])) & 0xFFFFFFFF

    def write_r(self, n: int, value: int) -> None:
        self._uc.reg_write(_R_REGS[n], value & 0xFFFFFFFF)

    def read_fpscr(self) -> int:
        return int(self._uc.reg_read(arm.UC_ARM_REG_FPSCR)) & 0xFFFFFFFF

    def write_fpscr(self, value: int) -> None:
        self._uc.reg_write(arm.UC_ARM_REG_FPSCR, value & 0xFFFFFFFF)

    def read_apsr(self) -> int:
        return int(self._uc.reg_read(arm.UC_ARM_REG_XPSR)) & 0xFFFFFFFF


def it_state(xpsr: int) -> int:
    """EPSR.IT[7:0] from an xPSR value (IT[7:2] in bits 15:10, IT[1:0] in bits 26:25)."""
    return ((xpsr >> 8) & 0xFC) | ((xpsr >> 25) & 0x3)


def with_it_state(xpsr: int, it: int) -> int:
    """The xPSR value with EPSR.IT replaced by `it`."""
    cleared = xpsr & ~((0x3F << 10) | (0x3 << 25))
    return cleared | ((it & 0xFC) << 8) | ((it & 0x3) << 25)


def next_it_state(it: int) -> int:
    """ITAdvance: the IT state of the following instruction (0 once the block ends)."""
    return 0 if it & 0x7 == 0 else (it & 0xE0) | ((it << 1) & 0x1F)


def advance_it_state(uc: Uc) -> None:
    """Step EPSR.IT past the current instruction, which Unicorn does not do when an
    invalid-instruction hook moves PC itself."""
    xpsr = int(uc.reg_read(arm.UC_ARM_REG_XPSR))
    it = it_state(xpsr)
    if it:  # writing EPSR changes only IT and T (T stays set from the value read)
        uc.reg_write(arm.UC_ARM_REG_EPSR, with_it_state(xpsr, next_it_state(it)))


def handle_invalid_instruction(uc: Uc, _user_data: object = None) -> bool:
    """UC_HOOK_INSN_INVALID callback: emulate the double-precision instruction at PC, then
    step PC and ITSTATE past it; False (so Unicorn reports UC_ERR_INSN_INVALID) otherwise.

    An instruction whose IT condition fails is skipped without executing; Unicorn never
    calls the hook for one, but this keeps the callback right if that changes."""
    pc = int(uc.reg_read(arm.UC_ARM_REG_PC)) & ~1
    try:
        hw1, hw2 = struct.unpack("<HH", uc.mem_read(pc, 4))
    except UcError:
        return False
    execute = decode(hw1, hw2)
    if execute is None:
        return False
    xpsr = int(uc.reg_read(arm.UC_ARM_REG_XPSR))
    it = it_state(xpsr)
    if not it & 0xF or condition_holds(it >> 4, xpsr):
        execute(UnicornFpRegisters(uc))
    uc.reg_write(arm.UC_ARM_REG_PC, (pc + 4) | 1)
    advance_it_state(uc)
    return True
