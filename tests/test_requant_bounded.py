"""st_requantize_bounded and st_requantize_fast (firmware/kernels/st_quant.h), and the bound that
licenses them.

The kernels that requantise with one rounding high multiply are bit-exact only where
simtiny.lower.bounds proves |acc * 2^left| < 2^30; these tests check the C function against
st_requantize_double (the form LiteRT's convolutions use, verified against LiteRT by the
operator tests) over random and edge inputs inside the bound, and the bound's arithmetic.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import numpy as np
import pytest

from simtiny.hostcc import compile_shared
from simtiny.lower.bounds import FAST_MAX_RIGHT, largest_input, requant_bounded, requant_fast
from simtiny.resources import KERNELS_DIR

HARNESS = r"""
#include <stdint.h>
#include "st_quant.h"

static uint64_t state;
static uint64_t next(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; }

/* Mismatches over n random (acc, multiplier, shift) with |acc * 2^left| < 2^30: multipliers
 * packed ([2^30, 2^31)), of any sign, near INT32_MIN and exactly 2^30; accumulators uniform, small,
 * and at the bound's edges. The first mismatch goes to *first (acc, multiplier, shift). */
long mismatches(uint64_t seed, long n, int32_t *first) {
    long bad = 0;
    state = seed | 1;
    for (long i = 0; i < n; i++) {
        int32_t shift = (int32_t)(next() % 62) - 31;
        if (shift > 30) shift = 30;
        int32_t mult;
        switch (next() % 4) {
            case 0: mult = (int32_t)(0x40000000u + (uint32_t)(next() % 0x40000000u)); break;
            case 1: mult = (int32_t)next(); break;
            case 2: mult = INT32_MIN + (int32_t)(next() % 3); break;
            default: mult = (int32_t)(1u << 30);
        }
        const int left = shift > 0 ? shift : 0;
        const int32_t lim = (int32_t)((1u << 30) >> left); /* |acc| < lim */
        int32_t acc;
        switch (next() % 3) {
            case 0: acc = (int32_t)(next() % (2 * (uint64_t)lim - 1)) - (lim - 1); break;
            case 1: acc = ((int32_t)(next() % 2001) - 1000) % lim; break;
            default: acc = (next() & 1) ? lim - 1 : -(lim - 1);
        }
        const st_requant_bounded q = st_requant_bounded_make(mult, shift);
        if (st_requantize_bounded(acc, &q) != st_requantize_double(acc, mult, shift)) {
            if (!bad) { first[0] = acc; first[1] = mult; first[2] = shift; }
            bad++;
        }
    }
    return bad;
}

/* The same for st_requantize_fast against the double rounding, output offset and int8
 * saturation: shifts -1 to -ST_FAST_MAX_RIGHT, multipliers >= 0 (what TFLite's quantised
 * multipliers are, zero included), |acc| < 2^30 (small ones often: the products that round to
 * 0), offsets of the whole int8 range. 32-bit arithmetic only: it runs on the core too. */
long fast_mismatches(uint64_t seed, long n, int32_t *first) {
    long bad = 0;
    state = seed | 1;
    for (long i = 0; i < n; i++) {
        const int32_t shift = -1 - (int32_t)((uint32_t)next() % ST_FAST_MAX_RIGHT);
        int32_t mult;
        switch ((uint32_t)next() % 3) {
            case 0: mult = (int32_t)(0x40000000u + (uint32_t)((uint32_t)next() % 0x40000000u)); break;
            case 1: mult = (int32_t)((uint32_t)next() % 0x80000000u); break;
            default: mult = (int32_t)((uint32_t)next() % 3);
        }
        const int32_t lim = 1 << 30;
        int32_t acc;
        switch ((uint32_t)next() % 3) {
            case 0: acc = (int32_t)((uint32_t)next() % (2u * (uint32_t)lim - 1u)) - (lim - 1); break;
            case 1: acc = (int32_t)((uint32_t)next() % 200001) - 100000; break;
            default: acc = ((uint32_t)next() & 1) ? lim - 1 : -(lim - 1);
        }
        const int32_t offset = (int32_t)((uint32_t)next() % 256) - 128;
        const st_requant_fast q = st_requant_fast_make(mult, shift, offset);
        const int32_t want = st_clamp(st_requantize_double(acc, mult, shift) + offset, -128, 127);
        if (st_requantize_fast((uint32_t)acc << 1, &q) != want) {
            if (!bad) { first[0] = acc; first[1] = mult; first[2] = shift; first[3] = offset; }
            bad++;
        }
    }
    return bad;
}
"""


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> ctypes.CDLL:
    folder = tmp_path_factory.mktemp("requant")
    source = folder / "harness.c"
    source.write_text(HARNESS)
    library = ctypes.CDLL(str(compile_shared([source], folder / "harness.so", [f"-I{KERNELS_DIR}"])))
    for name in ("mismatches", "fast_mismatches"):
        getattr(library, name).restype = ctypes.c_long
        getattr(library, name).argtypes = [ctypes.c_uint64, ctypes.c_long, ctypes.POINTER(ctypes.c_int32)]
    return library


def test_bounded_requantisation_matches_double_rounding(harness: ctypes.CDLL) -> None:
    first = (ctypes.c_int32 * 3)()
    n = 4_000_000
    bad = harness.mismatches(20261205, n, first)
    assert bad == 0, f"{bad} of {n} differ; first: acc {first[0]}, multiplier {first[1]}, shift {first[2]}"


def test_fast_requantisation_matches_double_rounding(harness: ctypes.CDLL) -> None:
    """st_requantize_fast on twice the accumulator, its offset folded into the rounding constant,
    equals the double rounding, then the offset and the int8 clamp."""
    first = (ctypes.c_int32 * 4)()
    n = 4_000_000
    bad = harness.fast_mismatches(20261206, n, first)
    assert bad == 0, (
        f"{bad} of {n} differ; first: acc {first[0]}, multiplier {first[1]}, shift {first[2]}, offset {first[3]}"
    )


def test_fast_requantisation_applies_only_where_exact() -> None:
    """requant_fast: bounded sums, right shifts of 1 to FAST_MAX_RIGHT bits, multipliers >= 0,
    all of int8."""
    m = 1 << 30
    assert requant_fast(True, [m, 0, m], [-1, -7, -FAST_MAX_RIGHT], -128, 127)
    assert not requant_fast(False, [m], [-7], -128, 127)
    assert not requant_fast(True, [m, m], [-7, 0], -128, 127)  # no right shift: the sign fix would be wrong
    assert not requant_fast(True, [m], [2], -128, 127)  # a left shift
    assert not requant_fast(True, [m], [-FAST_MAX_RIGHT - 1], -128, 127)  # the offset could overflow
    assert not requant_fast(True, [m], [-7], -128, 100)  # a clamp SSAT does not do
    assert not requant_fast(True, [m, -m], [-7, -7], -128, 127)  # the accumulator's sign is not the product's


def test_largest_input() -> None:
    assert largest_input(0) == 128
    assert largest_input(128) == 255  # zero point -128: x + 128 in [0, 255]
    assert largest_input(-127) == 255  # zero point 127: x - 127 in [-255, 0]


def test_bound_per_channel() -> None:
    taps = np.array([[127, -128, 1], [0, 0, 0]], dtype=np.int8)
    # channel 0: 256 * 255 = 65,280 with offset 128
    assert requant_bounded(taps, None, 128, [0, 0])
    limit = (1 << 30) - 65_280
    assert requant_bounded(taps, np.array([limit - 1, 0]), 128, [0, 0])
    assert not requant_bounded(taps, np.array([limit, 0]), 128, [0, 0])
    assert requant_bounded(taps, np.array([0, limit]), 128, [0, 0])  # channel 1 has no taps
    assert not requant_bounded(taps, np.array([0, 1 << 30]), 128, [0, 0])
    # a left shift multiplies the bound: 65,280 * 2^14 < 2^30 <= 65,280 * 2^15
    assert requant_bounded(taps, None, 128, [14])
    assert not requant_bounded(taps, None, 128, [15, -3])
    assert requant_bounded(taps, None, 128, [-31, 14])


CORE_MAIN = r"""
#include "simtiny_hal.h"

int main(void) {
    int32_t first[4];
    const long bad = fast_mismatches(20261207, 50000, first);
    simtiny_exit(bad > 100 ? 100 : (int)bad);
}
"""


@pytest.mark.sim
@pytest.mark.parametrize("toolchain", ["gcc", "zig"])
def test_fast_requantisation_on_the_core(tmp_path, toolchain: str) -> None:
    """The DSP build of st_requantize_fast (SMMLAR, the sum's sign for the product's) on the
    simulated Cortex-M7 against the double rounding: the same harness, as each compiler builds it."""
    import simtiny

    source = tmp_path / "requant_core.c"
    source.write_text(HARNESS + CORE_MAIN)
    elf = simtiny.build_firmware([source], "stm32h743", toolchain, include_dirs=[str(KERNELS_DIR)])
    objdump = shutil.which("arm-none-eabi-objdump")
    if objdump:  # the DSP path was compiled, not the portable one
        text = subprocess.run([objdump, "-d", str(elf)], capture_output=True, text=True, check=True).stdout
        assert "smmlar" in text
    fw = simtiny.run_firmware(elf, "stm32h743", memory_model=False)
    assert fw.result.status == "exit", fw.result.status
    assert fw.result.exit_code == 0, f"{fw.result.exit_code} (100: 100 or more) of 50000 differ"
