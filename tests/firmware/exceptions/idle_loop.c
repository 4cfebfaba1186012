/* Main ends in a `b .` while a 1 kHz SysTick handler does the work: the simulator skips the
 * loop's time to each tick (it does not run it), and the handler exits at the 100th tick. */
#include "simtiny_hal.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

volatile uint32_t ticks;

void SysTick_Handler(void) {
    if (++ticks == 100u) simtiny_exit(0);
}

__attribute__((noinline)) void idle_forever(void) {
    __asm__ volatile("b ." ::: "memory");
}

int main(void) {
    SYST_RVR = 480000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u;
    idle_forever();
    return 1;
}
