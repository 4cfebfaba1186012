/* RELU, RELU6, LEAKY_RELU and ABS int16 -> int16 (zero points 0, as LiteRT requires): each value
 * (ABS: its magnitude) rescaled by the multiplier of its sign (gemmlowp's double rounding), then
 * clamped. */
#ifndef ST_RESCALE_S16_H
#define ST_RESCALE_S16_H

#include <stdint.h>

typedef struct {
    int32_t size;                               /* elements */
    int32_t positive_multiplier, positive_shift; /* for values >= 0 */
    int32_t negative_multiplier, negative_shift; /* for values < 0 (LEAKY_RELU's alpha) */
    int32_t low, high;                          /* the clamp, within int16 */
    int32_t magnitude;                          /* 1: ABS, the magnitude rescaled */
} st_rescale_s16_params;

/* output may be input (in place). */
void st_rescale_s16(const st_rescale_s16_params *p, const int16_t *input, int16_t *output);

#endif
