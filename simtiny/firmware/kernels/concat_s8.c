/* CONCATENATION: for each outer index, each input's slice in turn. */
#include "concat_s8.h"

void st_concat_s8(const st_concat_params *p, const void *const *inputs, void *output) {
    uint8_t *out = (uint8_t *)output;
    for (int32_t o = 0; o < p->outer; o++) {
        for (int32_t i = 0; i < p->count; i++) {
            const int32_t n = p->bytes[i];
            const uint8_t *src = (const uint8_t *)inputs[i] + o * n;
            for (int32_t k = 0; k < n; k++) out[k] = src[k];
            out += n;
        }
    }
}
