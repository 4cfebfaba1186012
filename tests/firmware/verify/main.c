/* A hand-written main around simtiny's kernels (the generated model.c of a one-input,
 * one-output model), built with newlib's rdimon and following the verify contract of
 * simtiny_verify.h: inputs from input0.bin, outputs to output0.bin, the inference between
 * st_verify_begin() and st_verify_end(). newlib's printf reports the time the firmware's own
 * timer measured.
 *
 * Two timers, as production firmware has them: a 1 kHz SysTick tick (HAL_GetTick's milliseconds)
 * and the DWT cycle counter through simtiny's HAL (simtiny_cycles_init/simtiny_cycles).
 *
 * -DINPUT_SIZE / -DOUTPUT_SIZE: the model's input and output bytes (from the generated code).
 * -DSABOTAGE: flips the lowest bit of the first output byte, a build the verify must catch. */
#include <stdint.h>
#include <stdio.h>

#include "simtiny_hal.h"
#include "simtiny_verify.h"
#include "st_runtime.h"

extern uint8_t st_input_0[];  /* the model's input and output in the arena (model.c's symbols) */
extern uint8_t st_output_0[];

uint32_t st_cycles(void) { /* the per-operator stamps of the generated code */
    return simtiny_cycles();
}

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define CORE_HZ 480000000u

static volatile uint32_t ticks; /* milliseconds, as ST's HAL counts them in uwTick */

void SysTick_Handler(void) {
    ticks++;
}

int main(void) {
    simtiny_caches_enable(); /* as production firmware does; the HAL's */
    simtiny_cycles_init();
    SYST_RVR = CORE_HZ / 1000u - 1u; /* a 1 kHz tick from the processor clock */
    SYST_CVR = 0;
    SYST_CSR = 7u; /* CLKSOURCE, TICKINT, ENABLE */
    int status = st_verify_read_input(0, st_input_0, INPUT_SIZE);
    if (status != ST_VERIFY_OK) {
        printf("cannot read input0.bin (%d)\n", status);
        return 10;
    }
    const uint32_t start = simtiny_cycles();
    const uint32_t start_ms = ticks;
    st_verify_begin();
    status = st_model_run();
    st_verify_end();
    const uint32_t took = simtiny_cycles() - start;
    const uint32_t took_ms = ticks - start_ms;
    if (status != 0) {
        printf("st_model_run failed (%d)\n", status);
        return 11;
    }
#ifdef SABOTAGE
    st_output_0[0] ^= 1u;
#endif
    status = st_verify_write_output(0, st_output_0, OUTPUT_SIZE);
    if (status != ST_VERIFY_OK) {
        printf("cannot write output0.bin (%d)\n", status);
        return 12;
    }
    printf("inference: %lu cycles (HAL timer)\n", (unsigned long)took);
    printf("inference: %lu ms (SysTick)\n", (unsigned long)took_ms);
    return 0;
}
