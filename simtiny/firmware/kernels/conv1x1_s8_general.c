/* conv1x1_s8.c for layers that are not fast (st_requantize_fast). */
#define ST_CONV1X1_GENERAL 1
#include "conv1x1_s8.c"
