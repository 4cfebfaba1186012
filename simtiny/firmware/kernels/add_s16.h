/* ADD and SUB, int16, with broadcasting: LiteRT's general int16 path (left shift 15) and its
 * power-of-two path, on ADD int8's parameters (add_s8.h). */
#ifndef ST_ADD_S16_H
#define ST_ADD_S16_H

#include <stdint.h>

#include "add_s8.h"

void st_add_s16(const st_add_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);
void st_add_s16_pot(const st_add_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);

#endif
