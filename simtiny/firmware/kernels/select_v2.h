/* SELECT_V2 (where(condition, x, y)) with the three inputs broadcast to up to 5-D (LiteRT
 * BroadcastSelect5DSlow): each output element x's or y's, as the condition byte says; any element
 * size. LOGICAL_NOT is here too: one minus a bool. */
#ifndef ST_SELECT_V2_H
#define ST_SELECT_V2_H

#include <stdint.h>

typedef struct {
    int32_t shape[5];                         /* output extents, outermost first (padded with 1) */
    int32_t cond_step[5], x_step[5], y_step[5]; /* element steps of each input (0: broadcast) */
    int32_t elem_size;                        /* 1, 2 or 4 bytes */
} st_select_params;

void st_select_v2(const st_select_params *p, const uint8_t *condition, const void *x, const void *y, void *output);
void st_logical_not(int32_t size, const uint8_t *input, uint8_t *output);

#endif
