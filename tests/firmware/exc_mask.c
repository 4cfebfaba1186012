/* PendSV pended with PRIMASK set waits; it runs right after `cpsie i`, before the next store. */
#include "simtiny_hal.h"

#define ICSR (*(volatile uint32_t *)0xE000ED04u)

volatile uint32_t pendsv_runs;
volatile uint32_t results[4];

void PendSV_Handler(void) {
    pendsv_runs++;
}

int main(void) {
    __asm__ volatile("cpsid i" ::: "memory");
    ICSR = 1u << 28;
    __asm__ volatile("dsb\n isb" ::: "memory");
    for (volatile int i = 0; i < 100; i++) {
    }
    results[0] = pendsv_runs; /* 0: masked */
    __asm__ volatile("cpsie i" ::: "memory");
    results[1] = pendsv_runs; /* 1: taken at once */
    return 0;
}
