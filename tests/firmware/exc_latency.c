/* The cost of an exception round trip: an SVC to an empty handler, timed with the cycle counter,
 * and the floating-point registers s0-s15 kept across a handler that changes s0 (the extended
 * frame a Cortex-M7 stacks once the thread has used the FPU). */
#include "simtiny_hal.h"

volatile uint32_t results[4];

void SVC_Handler(void) {
    __asm__ volatile("vmov.f32 s0, #2.0" ::: "s0");
}

int main(void) {
    simtiny_cycles_init();
    register float kept __asm__("s0") = 1.5f;
    __asm__ volatile("vadd.f32 s0, s0, s0" : "+t"(kept)); /* 3.0, and the FPU is in use */
    uint32_t c0 = simtiny_cycles();
    __asm__ volatile("svc #0" : "+t"(kept) : : "memory");
    uint32_t c1 = simtiny_cycles();
    uint32_t c2 = simtiny_cycles();
    results[0] = c1 - c0;
    results[1] = c2 - c1;
    results[2] = (uint32_t)(kept * 10.0f);
    return 0;
}
