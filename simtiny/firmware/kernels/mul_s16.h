/* MUL, int16, with broadcasting (the converter's 16x8 mode), on MUL int8's parameters. */
#ifndef ST_MUL_S16_H
#define ST_MUL_S16_H

#include <stdint.h>

#include "mul_s8.h"

void st_mul_s16(const st_mul_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);

#endif
