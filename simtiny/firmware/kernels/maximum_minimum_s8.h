/* MAXIMUM and MINIMUM, int8 and int16, with broadcasting (LiteRT reference maximum_minimum.cc): the larger
 * or smaller raw value of each pair, as LiteRT compares them, whatever the quantisation. */
#ifndef ST_MAXIMUM_MINIMUM_S8_H
#define ST_MAXIMUM_MINIMUM_S8_H

#include <stdint.h>

#include "st_broadcast.h"

void st_maximum_s8(const st_broadcast *loops, const int8_t *input1, const int8_t *input2, int8_t *output);
void st_minimum_s8(const st_broadcast *loops, const int8_t *input1, const int8_t *input2, int8_t *output);
void st_maximum_s16(const st_broadcast *loops, const int16_t *input1, const int16_t *input2, int16_t *output);
void st_minimum_s16(const st_broadcast *loops, const int16_t *input1, const int16_t *input2, int16_t *output);

#endif
