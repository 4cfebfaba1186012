/* AVERAGE_POOL_2D int8, NHWC. */
#ifndef ST_AVG_POOL_S8_H
#define ST_AVG_POOL_S8_H

#include <stdint.h>

#include "max_pool_s8.h"

/* The window geometry is shared with MAX_POOL_2D (st_pool_params, max_pool_s8.h). */
void st_avg_pool_s8(const st_pool_params *p, const int8_t *input, int8_t *output);
/* The same where one window covers the whole image (output 1x1). */
void st_avg_pool_s8_global(const st_pool_params *p, const int8_t *input, int8_t *output);

#endif
