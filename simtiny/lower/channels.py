"""Per-output-channel bias and requantisation parameters in the compact, lossless form the
kernels decode (firmware/kernels/st_channel.h).

A bias takes the fewest bytes (1 to 4) that hold every channel's value; a (multiplier, shift)
pair takes one 32-bit word when the layer's multipliers are TFLite's usual [2^30, 2^31) and its
shifts span at most four values (the shift goes in the multiplier's two fixed top bits), and
otherwise the word plus an int8 shift, stored after the words in the same array (no layer's
struct carries a pointer to a separate shift array). Against int32 bias, int32 multiplier and
int8 shift this saves 3 of 9 bytes per channel on the paper's networks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simtiny.model import Graph, Operator

TWIN_SUFFIX = "_shifts"  # kernel sources compiled again for the shifts-apart layout
PACKED_SPAN = 4  # shift - shift_base must fit the two free bits of a packed multiplier
Q30, Q31 = 1 << 30, 1 << 31


@dataclass(frozen=True)
class ChannelParams:
    """The encoded parameters of one layer, as the C struct st_channel_params holds them."""

    bias: np.ndarray | None  # uint8: 4 - bias_bytes pad bytes, then bias_bytes per channel
    bias_bytes: int
    requant: np.ndarray  # uint32, one per channel (or one for all)
    shift: np.ndarray | None  # int8 (after requant in the same array, for the C struct), None when packed
    shift_base: int
    per_channel: bool

    @property
    def suffix(self) -> str:
        """The kernel twin that reads this layout: "" (packed shifts) or "_shifts" (apart)."""
        return "" if self.shift is None else TWIN_SUFFIX


def has_bias(op: Operator) -> bool:
    """Whether the optional bias input (input 2 of the convolutions and FULLY_CONNECTED) is there."""
    return len(op.inputs) > 2 and op.inputs[2] >= 0


def bias_values(op: Operator, graph: Graph) -> np.ndarray | None:
    """The bias tensor's values, flat, or None without one."""
    if not has_bias(op):
        return None
    data = graph.tensor(op.inputs[2]).data
    assert data is not None
    return data.reshape(-1)


BUILD_SUFFIX = "_general"  # conv1x1_s8, depthwise_conv2d_s8 compiled again where st_requantize_fast does not fit


def kernel_header(kernel: str) -> str:
    """The header a kernel source declares its functions in (a twin or another build of a
    source shares its original's)."""
    return kernel.removesuffix(TWIN_SUFFIX).removesuffix(BUILD_SUFFIX)


def bias_width(values: np.ndarray) -> int:
    """The fewest bytes of two's complement that hold every value."""
    v = np.asarray(values, dtype=np.int64)
    if v.size == 0:
        return 1
    lo, hi = int(v.min()), int(v.max())
    for n in (1, 2, 3, 4):
        if -(1 << (8 * n - 1)) <= lo and hi < 1 << (8 * n - 1):
            return n
    raise ValueError(f"bias value out of int32 range: [{lo}, {hi}]")


def encode_bias(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Little-endian, bias_width bytes each, after 4 - width pad bytes so that a 4-byte load at
    pad - (4 - width) + c * width never reads outside the array."""
    v = np.asarray(values, dtype=np.int64).reshape(-1)
    width = bias_width(v)
    words = (v & 0xFFFFFFFF).astype("<u4").view(np.uint8).reshape(-1, 4)[:, :width]
    return np.concatenate([np.zeros(4 - width, np.uint8), words.reshape(-1)]), width


def decode_bias(blob: np.ndarray, width: int, channels: int) -> np.ndarray:
    """The inverse of encode_bias, as st_channel_bias reads it (for tests and reports)."""
    out = np.empty(channels, dtype=np.int32)
    raw = np.asarray(blob, dtype=np.uint8).tobytes()
    for c in range(channels):
        word = int.from_bytes(raw[c * width : c * width + 4], "little", signed=True)
        out[c] = word >> (32 - 8 * width)
    return out


def encode_requant(pairs: list[tuple[int, int]], apart: bool = False) -> tuple[np.ndarray, np.ndarray | None, int]:
    """(words, shifts or None, shift_base) for LiteRT's (multiplier, shift) pairs; packed where
    they allow it, unless `apart` asks for the shifts apart (a kernel twin that reads only that)."""
    mults = np.array([m for m, _ in pairs], dtype=np.int64)
    shifts = np.array([s for _, s in pairs], dtype=np.int64)
    if shifts.min() < -128 or shifts.max() > 127:
        raise ValueError(f"requantisation shift out of int8 range: [{shifts.min()}, {shifts.max()}]")
    base = int(shifts.min())
    if not apart and ((mults >= Q30) & (mults < Q31)).all() and int(shifts.max()) - base < PACKED_SPAN:
        words = (mults - Q30) | ((shifts - base) << 30)
        return words.astype(np.uint32), None, base
    return (mults & 0xFFFFFFFF).astype(np.uint32), shifts.astype(np.int8), 0


def decode_requant(words: np.ndarray, shifts: np.ndarray | None, base: int) -> list[tuple[int, int]]:
    """The inverse of encode_requant, as st_channel_requant reads it."""
    if shifts is not None:
        return [(int(np.uint32(w).view(np.int32)), int(s)) for w, s in zip(words, shifts, strict=True)]
    return [(int(w) & (Q30 - 1) | Q30, base + (int(w) >> 30)) for w in words]


def channel_params(bias: np.ndarray | None, pairs: list[tuple[int, int]], apart: bool = False) -> ChannelParams:
    """Encode one layer's bias (None: no bias) and (multiplier, shift) pairs (encode_requant)."""
    blob, width = encode_bias(bias) if bias is not None else (None, 4)
    words, shifts, base = encode_requant(pairs, apart)
    return ChannelParams(blob, width, words, shifts, base, len(pairs) > 1)


def emit_channels(
    ctx, prefix: str, bias: np.ndarray | None, pairs: list[tuple[int, int]], apart: bool = False
) -> tuple[str, str]:
    """Encode one layer's parameters and emit their arrays as constants: the C designated
    initializer of its st_channel_params, and the suffix of the kernel twin that reads them."""
    params = channel_params(bias, pairs, apart)
    return channels_initializer(ctx, prefix, params), params.suffix


def channels_initializer(ctx, prefix: str, params: ChannelParams) -> str:
    """The C designated initializer of st_channel_params, its arrays emitted as constants;
    the kernel called must be the twin params.suffix names."""
    # bias bytes are read by unaligned word loads (st_channel_bias): no alignment
    bias = ctx.const(f"{prefix}_bias", params.bias, aligned=False) if params.bias is not None else "0"
    words = params.requant
    if params.shift is not None:  # apart: the count, the multipliers, the shifts four to a word
        shifts = np.zeros((params.shift.size + 3) // 4 * 4, dtype=np.int8)
        shifts[: params.shift.size] = params.shift
        words = np.concatenate([np.array([words.size], dtype=np.uint32), words, shifts.view("<u4")])
    requant = ctx.const(f"{prefix}_requant", words)
    return (
        f"{{.bias = {bias}, .requant = {requant}, .bias_bytes = {params.bias_bytes}, "
        f".shift_base = {params.shift_base}, .per_channel = {int(params.per_channel)}}}"
    )
