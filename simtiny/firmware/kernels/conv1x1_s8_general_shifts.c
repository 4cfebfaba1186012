/* conv1x1_s8.c for layers that are not fast (st_requantize_fast), their requantisation shifts stored apart (st_channel.h). */
#define ST_CONV1X1_GENERAL 1
#define ST_CHANNEL_SHIFTS 1
#include "conv1x1_s8.c"
