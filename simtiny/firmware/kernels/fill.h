/* FILL and ZEROS_LIKE: every element of the output set to one value (any element size), and
 * ADD_N on float32 and int32: the inputs summed element by element in their order. */
#ifndef ST_FILL_H
#define ST_FILL_H

#include <stdint.h>

void st_fill(int32_t size, int32_t elem_size, const void *value, void *output);
void st_add_n_f32(int32_t count, int32_t size, const float *const *inputs, float *output);
void st_add_n_s32(int32_t count, int32_t size, const int32_t *const *inputs, int32_t *output);

#endif
