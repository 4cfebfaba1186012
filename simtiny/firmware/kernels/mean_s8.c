/* MEAN int8: LiteRT reference_ops::QuantizedMeanOrSum (compute_sum = false). The int32 sum of
 * the raw values, less input_zero_point * count, is requantised by a multiplier that folds in
 * 1 / count, then offset by the output zero point and saturated to int8. */
#include "mean_s8.h"

#include "st_fixedpoint.h"
#include "st_quant.h"

/* Advance a row-major multi-index over `rank` dimensions; returns the change of the offset. */
static int32_t step(int32_t rank, const int32_t *size, const int32_t *stride, int32_t *index) {
    int32_t delta = 0;
    for (int32_t d = rank - 1; d >= 0; d--) {
        delta += stride[d];
        if (++index[d] < size[d]) return delta;
        delta -= stride[d] * size[d];
        index[d] = 0;
    }
    return delta;
}

/* One kernel body per element type (int8, and int16 for the converter's 16x8 mode), each the
 * same walk and requantisation, clamped to its own type's range. */
#define ST_MEAN_KERNEL(name, type, low, high)                                                               \
    void name(const st_mean_params *p, const type *input, type *output) {                                   \
        int32_t outer_index[ST_MEAN_MAX_DIMS] = {0};                                                         \
        int32_t base = 0;                                                                                    \
        for (int32_t o = 0; o < p->num_outputs; o++) {                                                       \
            int32_t inner_index[ST_MEAN_MAX_DIMS] = {0};                                                     \
            int32_t offset = 0;                                                                              \
            uint32_t sum = (uint32_t)p->sum_offset; /* LiteRT's int32 sum wraps the same way */              \
            for (int32_t r = 0; r < p->num_elements; r++) {                                                  \
                sum += (uint32_t)(int32_t)input[base + offset];                                              \
                offset += step(p->inner_rank, p->inner_size, p->inner_stride, inner_index);                 \
            }                                                                                                \
            const int32_t scaled = st_requantize_double((int32_t)sum, p->multiplier, (int)p->shift);        \
            const int32_t shifted = (int32_t)((uint32_t)scaled + (uint32_t)p->output_zero_point);           \
            output[o] = (type)st_clamp(shifted, low, high);                                                  \
            base += step(p->outer_rank, p->outer_size, p->outer_stride, outer_index);                       \
        }                                                                                                    \
    }

ST_MEAN_KERNEL(st_mean_s8, int8_t, -128, 127)
ST_MEAN_KERNEL(st_mean_s16, int16_t, -32768, 32767)
