/* CONCATENATION: LiteRT copies int8 slices unchanged (it refuses inputs quantized unlike the
 * output), so this is pure data movement and serves any element size. */
#ifndef ST_CONCAT_S8_H
#define ST_CONCAT_S8_H

#include <stdint.h>

typedef struct {
    int32_t outer;        /* product of the dimensions before the axis */
    int32_t count;        /* number of inputs */
    const int32_t *bytes; /* per input: bytes of one slice (its axis extent x inner size x element) */
} st_concat_params;

void st_concat_s8(const st_concat_params *p, const void *const *inputs, void *output);

#endif
