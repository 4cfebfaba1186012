"""Fixed-point helpers shared by the operator lowerings: TFLite's own definitions, in Python.

Requantisation multipliers are computed here, at code-generation time, exactly as LiteRT's
reference kernels compute them in Prepare (QuantizeMultiplier and friends), so the firmware
only does the integer arithmetic.
"""

from __future__ import annotations

import math

import numpy as np

INT8_MIN, INT8_MAX = -128, 127


def round_half_away(x: float) -> int:
    """std::round / TfLiteRound: halves away from zero."""
    return math.floor(x + 0.5) if x >= 0 else -math.floor(-x + 0.5)


def quantize_multiplier(real: float, clamp: bool = True) -> tuple[int, int]:
    """TFLite QuantizeMultiplier: real = q * 2^(shift - 31), q in [2^30, 2^31); shift may be < 0.

    clamp=False: as built without TFLITE_SINGLE_ROUNDING, where a shift above 30 is kept."""
    if not math.isfinite(real):
        raise OverflowError(f"requantisation scale {real} is not finite")
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = round_half_away(q * (1 << 31))
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30 and clamp:
        return (1 << 31) - 1, 30
    return q_fixed, shift


def f32(x: float) -> float:
    """Round a Python float to IEEE single precision (C `float`)."""
    return float(np.float32(x))


# CalculateActivationRange for float32 and int32: each fused activation's clamp (None: unbounded)
ACTIVATION_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "NONE": (None, None),
    "RELU": (0, None),
    "RELU6": (0, 6),
    "RELU_N1_TO_1": (-1, 1),
}
FLOAT32_MAX = float(np.finfo(np.float32).max)


def float_activation_range(activation: str) -> tuple[float, float]:
    """The float32 clamp: unbounded is -FLT_MAX..FLT_MAX (lowest() and max()), so an infinity
    comes out FLT_MAX, as LiteRT's clamp gives it."""
    low, high = ACTIVATION_BOUNDS[activation]
    return (-FLOAT32_MAX if low is None else float(low), FLOAT32_MAX if high is None else float(high))


def activation_range(
    activation: str, scale: float, zero_point: int, qmin: int = INT8_MIN, qmax: int = INT8_MAX
) -> tuple[int, int]:
    """CalculateActivationRangeQuantized: clamp bounds of a fused activation on the output."""

    def q(value: float) -> int:  # zero_point + round(value / scale), the division in float
        return zero_point + round_half_away(f32(f32(value) / f32(scale)))

    if activation in ("NONE", None):
        return qmin, qmax
    if activation == "RELU":
        return max(qmin, q(0.0)), qmax
    if activation == "RELU6":
        return max(qmin, q(0.0)), min(qmax, q(6.0))
    if activation == "RELU_N1_TO_1":
        return max(qmin, q(-1.0)), min(qmax, q(1.0))
    raise ValueError(f"fused activation {activation} has no integer range")
