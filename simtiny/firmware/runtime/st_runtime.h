/* The contract between generated model code and the program around it (firmware or host). */
#ifndef ST_RUNTIME_H
#define ST_RUNTIME_H

#include <stdint.h>

/* Memory the startup code must not clear (the host fills it before reset): the arena, in the
 * board's zero-wait TCM where the build places it there (ST_ARENA_TCM), else in its SRAM. */
#if defined(__arm__) && defined(ST_ARENA_TCM)
#define ST_NOINIT __attribute__((section(".tcm_noinit.st_arena")))
#elif defined(__arm__)
#define ST_NOINIT __attribute__((section(".noinit.st_arena")))
#else
#define ST_NOINIT
#endif

/* Cycle counter read around every operator: DWT CYCCNT on the board, 0 on the host. */
uint32_t st_cycles(void);

/* Generated: runs every operator in order, fills st_op_stamps (the cycle counter before the
   first operator and after each); returns 0 on success. */
int st_model_run(void);

/* Generated: forget what a streaming model keeps between invocations (its resource variables),
   so that the next st_model_run starts again from their initial values; nothing for a model
   without state. The arena is not cleared at reset: firmware calls it once at boot. */
void st_model_reset(void);

#endif
