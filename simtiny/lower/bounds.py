"""Accumulator bounds that let a kernel requantise the cheap way (st_requantize_bounded, _fast).

gemmlowp's double rounding needs 64-bit products and a saturation test in general; when every
accumulator a layer can produce satisfies |acc * 2^left| < 2^30, one rounding high multiply
and an add give the same result bit for bit (firmware/kernels/st_quant.h). The bound is
proved here from the layer's constants: |bias| plus the filter's absolute sum times the
largest |x + input_offset| an int8 input can give.
"""

from __future__ import annotations

import numpy as np

from simtiny.lower.quant import INT8_MAX, INT8_MIN

LIMIT = 1 << 30
FAST_MAX_RIGHT = 22  # ST_FAST_MAX_RIGHT (st_quant.h)


def largest_input(input_offset: int) -> int:
    """max |x + input_offset| over int8 x."""
    return max(abs(INT8_MIN + input_offset), abs(INT8_MAX + input_offset))


def requant_bounded(filters: np.ndarray, bias: np.ndarray | None, input_offset: int, shifts: list[int]) -> bool:
    """Whether every channel's accumulator is bounded as st_requantize_bounded needs.

    filters: one row per output channel (its taps); shifts: QuantizeMultiplier's shift per
    channel (one for all when the layer is per-tensor)."""
    rows = filters.reshape(filters.shape[0], -1).astype(np.int64)
    bound = np.abs(rows).sum(axis=1) * largest_input(input_offset)
    if bias is not None:
        bound = bound + np.abs(bias.astype(np.int64))
    left = np.maximum(np.asarray(shifts, dtype=np.int64), 0)
    if left.size == 1:
        left = np.full(bound.shape, int(left[0]))
    return bool(np.all(bound << left < LIMIT))


def fast_channel(multiplier: int, shift: int) -> bool:
    """Whether st_requantize_fast can take a channel of a bounded layer: a multiplier >= 0 and a
    right shift of 1 to FAST_MAX_RIGHT bits. conv1x1_s8.c's fast_channel tests the same with a
    multiplier > 0: QuantizeMultiplier gives a zero multiplier a shift of 0, never fast here."""
    return multiplier >= 0 and -FAST_MAX_RIGHT <= shift <= -1


def requant_fast(bounded: bool, multipliers: list[int], shifts: list[int], act_min: int, act_max: int) -> bool:
    """Whether a bounded layer may take st_requantize_fast: every channel shifts right by 1 to
    FAST_MAX_RIGHT bits (no left shift; the output offset then folds into the rounding
    constant without overflow) with a multiplier >= 0 (the rounding takes the accumulator's
    sign for the product's), and the activation spans all of int8 (one SSAT clamps)."""
    return (bounded and (act_min, act_max) == (INT8_MIN, INT8_MAX)
            and all(fast_channel(m, s) for m, s in zip(multipliers, shifts, strict=True)))
