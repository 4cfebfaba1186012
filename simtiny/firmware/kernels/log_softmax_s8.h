/* LOG_SOFTMAX int8 -> int8 over the last axis (LiteRT reference_integer_ops::LogSoftmax): gemmlowp
 * fixed point, output scale 16/256 and zero point 127 (LiteRT refuses others). */
#ifndef ST_LOG_SOFTMAX_S8_H
#define ST_LOG_SOFTMAX_S8_H

#include <stdint.h>

typedef struct {
    int32_t outer_size, depth;
    int32_t input_multiplier, input_left_shift; /* input scale * 2^26 (PreprocessSoftmaxScaling) */
    int32_t reverse_multiplier, reverse_right_shift; /* its inverse (PreprocessLogSoftmaxScalingExp) */
    int32_t diff_min; /* differences to the row maximum below this add nothing to the sum */
} st_log_softmax_params;

void st_log_softmax_s8(const st_log_softmax_params *p, const int8_t *input, int8_t *output);

#endif
