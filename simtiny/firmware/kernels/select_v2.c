/* SELECT_V2: five nested loops over the output, each input's element offset advanced by its step. */
#include "select_v2.h"

void st_select_v2(const st_select_params *p, const uint8_t *condition, const void *x, const void *y, void *output) {
    uint8_t *out = (uint8_t *)output;
    const int32_t size = p->elem_size;
    for (int32_t i0 = 0; i0 < p->shape[0]; i0++)
        for (int32_t i1 = 0; i1 < p->shape[1]; i1++)
            for (int32_t i2 = 0; i2 < p->shape[2]; i2++)
                for (int32_t i3 = 0; i3 < p->shape[3]; i3++)
                    for (int32_t i4 = 0; i4 < p->shape[4]; i4++) {
                        const int32_t idx[5] = {i0, i1, i2, i3, i4};
                        int32_t c = 0, a = 0, b = 0;
                        for (int32_t d = 0; d < 5; d++) {
                            c += idx[d] * p->cond_step[d];
                            a += idx[d] * p->x_step[d];
                            b += idx[d] * p->y_step[d];
                        }
                        const uint8_t *from = condition[c] ? (const uint8_t *)x + a * size : (const uint8_t *)y + b * size;
                        for (int32_t k = 0; k < size; k++) *out++ = from[k];
                    }
}

void st_logical_not(int32_t size, const uint8_t *input, uint8_t *output) {
    for (int32_t i = 0; i < size; i++) output[i] = input[i] ? 0 : 1;
}
