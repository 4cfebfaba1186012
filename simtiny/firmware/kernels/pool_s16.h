/* AVERAGE_POOL_2D and MAX_POOL_2D on int16 (the converter's 16x8 mode), NHWC: LiteRT's
 * reference_integer_ops pools on int16, the window clipped to the image as for int8. */
#ifndef ST_POOL_S16_H
#define ST_POOL_S16_H

#include <stdint.h>

#include "max_pool_s8.h"

void st_avg_pool_s16(const st_pool_params *p, const int16_t *input, int16_t *output);
void st_max_pool_s16(const st_pool_params *p, const int16_t *input, int16_t *output);

#endif
