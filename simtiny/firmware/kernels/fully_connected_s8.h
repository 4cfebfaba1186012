/* FULLY_CONNECTED, int8 activations, int8 weights (per-tensor or per-channel), int32 bias (st_channel.h). */
#ifndef ST_FULLY_CONNECTED_S8_H
#define ST_FULLY_CONNECTED_S8_H

#include <stdint.h>

#include "st_channel.h"

typedef struct {
    int32_t batches;       /* rows of the input */
    int32_t accum_depth;   /* input features */
    int32_t output_depth;  /* output features */
    int32_t input_offset;  /* -input zero point */
    int32_t filter_offset; /* -filter zero point */
    int32_t output_offset; /* output zero point */
    int32_t act_min, act_max;
    st_channel_params channels; /* bias (may be absent) and requantisation per output feature */
} st_fully_connected_params;

void st_fully_connected_s8(const st_fully_connected_params *p, const int8_t *input,
                           const int8_t *filter, int8_t *output);
void st_fully_connected_s8_shifts(const st_fully_connected_params *p, const int8_t *input,
                                  const int8_t *filter, int8_t *output);
/* The same with scratch: 2 * accum_depth bytes (4-aligned) where each row of the input is
 * widened once; only for a filter without zero point and accum_depth a multiple of 4 (the code
 * generator gives it where it pays: fully_connected.py). */
void st_fully_connected_s8_widened(const st_fully_connected_params *p, const int8_t *input,
                                   const int8_t *filter, int8_t *output, void *scratch);
void st_fully_connected_s8_widened_shifts(const st_fully_connected_params *p, const int8_t *input,
                                          const int8_t *filter, int8_t *output, void *scratch);

#endif
