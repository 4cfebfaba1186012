/* conv2d_s8.c for layers whose requantisation shifts are stored apart (st_channel.h). */
#define ST_CHANNEL_SHIFTS 1
#include "conv2d_s8.c"
