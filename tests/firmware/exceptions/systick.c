/* A 1 kHz SysTick interrupt counts ticks; main sleeps in WFI until five have come, then a busy
 * loop waits for two more. (Its instruction and cycle counts depend on the cycle model, so it is
 * not with the firmwares tests/test_differential.py runs.) */
#include "simtiny_hal.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

volatile uint32_t ticks;
volatile uint32_t results[8];

void SysTick_Handler(void) {
    ticks++;
}

__attribute__((noinline)) void wait_ticks_in_loop(uint32_t until) {
    while (ticks < until) {
    }
}

int main(void) {
    simtiny_cycles_init();
    SYST_RVR = 480000u - 1u; /* 1 ms at 480 MHz */
    SYST_CVR = 0;
    uint32_t c0 = simtiny_cycles();
    SYST_CSR = 7u; /* ENABLE, TICKINT, CLKSOURCE = core clock */
    uint32_t wakes = 0;
    while (ticks < 5u) {
        __asm__ volatile("wfi" ::: "memory");
        wakes++;
    }
    uint32_t c1 = simtiny_cycles();
    wait_ticks_in_loop(7u);
    uint32_t c2 = simtiny_cycles();
    SYST_CSR = 0;
    results[0] = ticks;
    results[1] = wakes;
    results[2] = c1 - c0;
    results[3] = c2 - c1;
    return 0;
}
