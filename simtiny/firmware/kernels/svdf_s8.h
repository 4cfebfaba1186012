/* SVDF, int8 input and output, int16 time weights and state (LiteRT reference_ops::EvalIntegerSVDF):
 * a feature matrix product into the newest column of each filter's memory, a dot product of each
 * filter's memory with its time weights, rank filters summed per unit, the bias added, requantised.
 * The state is a tensor kept between invocations; scratch holds one int32 per filter. */
#ifndef ST_SVDF_S8_H
#define ST_SVDF_S8_H

#include <stdint.h>

typedef struct {
    int32_t batches, inputs, filters, rank, memory;
    int32_t input_zero_point, output_zero_point;
    int32_t multiplier_1, shift_1; /* input * feature weights / state scale */
    int32_t multiplier_2, shift_2; /* state * time weights / output scale */
    const int8_t *feature_weights;  /* [filters][inputs] */
    const int16_t *time_weights;    /* [filters][memory] */
    const int32_t *bias;            /* [filters / rank], or 0 */
} st_svdf_params;

void st_svdf_s8(const st_svdf_params *p, const int8_t *input, int16_t *state, int8_t *output, int32_t *scratch);

#endif
