/* depthwise_conv2d_s8.c for layers whose padded and small kernels cannot requantise with
 * st_requantize_fast, their requantisation shifts stored apart (st_channel.h). */
#define ST_DW_GENERAL 1
#define ST_CHANNEL_SHIFTS 1
#include "depthwise_conv2d_s8.c"
