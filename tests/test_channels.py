"""The compact per-channel parameter encodings (simtiny.lower.channels): lossless, and as small
as the values allow. The kernels' decoding of them is checked bit for bit against LiteRT by the
convolution and FULLY_CONNECTED operator tests, which cover every bias width and both layouts."""

from __future__ import annotations

import numpy as np
import pytest

from simtiny.lower.channels import (
    TWIN_SUFFIX,
    bias_width,
    channel_params,
    decode_bias,
    decode_requant,
    encode_bias,
    encode_requant,
    kernel_header,
)
from simtiny.lower.quant import quantize_multiplier


@pytest.mark.parametrize(
    ("lo", "hi", "width"),
    [(0, 0, 1), (-128, 127, 1), (-129, 0, 2), (0, 128, 2), (-32768, 32767, 2), (0, 32768, 3),
     (-(1 << 23), (1 << 23) - 1, 3), (0, 1 << 23, 4), (-(1 << 31), (1 << 31) - 1, 4)],
)
def test_bias_width_is_the_fewest_bytes(lo: int, hi: int, width: int) -> None:
    assert bias_width(np.array([lo, hi])) == width


@pytest.mark.parametrize("magnitude", [5, 100, 30000, 1 << 20, 1 << 30])
def test_bias_round_trip(magnitude: int) -> None:
    rng = np.random.default_rng(magnitude)
    values = rng.integers(-magnitude, magnitude + 1, size=37).astype(np.int32)
    values[0], values[-1] = -magnitude, magnitude  # the extremes, at both ends of the array
    blob, width = encode_bias(values)
    assert blob.dtype == np.uint8 and blob.size == 4 - width + width * values.size
    assert width == bias_width(values)
    assert np.array_equal(decode_bias(blob, width, values.size), values)


def test_bias_out_of_int32_is_refused() -> None:
    with pytest.raises(ValueError, match="int32"):
        bias_width(np.array([1 << 31]))


def random_pairs(rng: np.random.Generator, n: int, octaves: float) -> list[tuple[int, int]]:
    return [quantize_multiplier(float(r)) for r in 10 ** rng.uniform(-3, -3 + octaves * np.log10(2), n)]


def test_requant_packed_when_shifts_span_four_values() -> None:
    rng = np.random.default_rng(1)
    pairs = random_pairs(rng, 200, 3.9)
    assert max(s for _, s in pairs) - min(s for _, s in pairs) <= 3
    words, shifts, base = encode_requant(pairs)
    assert shifts is None and words.dtype == np.uint32 and words.size == 200
    assert decode_requant(words, shifts, base) == pairs


@pytest.mark.parametrize(
    "special",
    [
        [(0, 0)],  # a dead channel (filter scale 0)
        [(-(1 << 30) - 12345, -9)],  # a negative filter scale
        [(1 << 30, -12), (1 << 30, -7)],  # shifts five apart
    ],
    ids=["zero", "negative", "wide-shifts"],
)
def test_requant_apart_when_not_packable(special: list[tuple[int, int]]) -> None:
    pairs = random_pairs(np.random.default_rng(2), 20, 1.0) + special
    words, shifts, base = encode_requant(pairs)
    assert shifts is not None and shifts.dtype == np.int8 and base == 0
    assert decode_requant(words, shifts, base) == pairs


def test_channel_params_choose_the_kernel_twin() -> None:
    rng = np.random.default_rng(3)
    packed = channel_params(np.arange(8), random_pairs(rng, 8, 1.0))
    apart = channel_params(None, [(0, 0)] * 8)
    assert packed.suffix == "" and apart.suffix == TWIN_SUFFIX
    assert packed.bias is not None and packed.bias_bytes == 1 and apart.bias is None
    assert packed.per_channel and not channel_params(None, [(1 << 30, 0)]).per_channel
    assert kernel_header("conv1x1_s8" + TWIN_SUFFIX) == kernel_header("conv1x1_s8") == "conv1x1_s8"


def test_flash_per_channel_on_a_paper_network_layer() -> None:
    """Against int32 bias + int32 multiplier + int8 shift (9 bytes a channel): a layer with
    int16-range biases and packable shifts takes 6."""
    rng = np.random.default_rng(4)
    n = 96
    params = channel_params(rng.integers(-30000, 30000, n), random_pairs(rng, n, 2.0))
    assert params.bias is not None
    assert params.bias.size + params.requant.nbytes == 6 * n + 2
