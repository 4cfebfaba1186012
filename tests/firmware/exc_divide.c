/* CCR.DIV_0_TRP: a divide by zero enters UsageFault_Handler (enabled in SHCSR) with CFSR.DIVBYZERO;
 * the handler records it and exits with 0x43. Before the trap is set, 7 / 0 gives 0 and runs on. */
#include "simtiny_hal.h"

#define CCR (*(volatile uint32_t *)0xE000ED14u)
#define SHCSR (*(volatile uint32_t *)0xE000ED24u)
#define CFSR (*(volatile uint32_t *)0xE000ED28u)

volatile uint32_t results[4];
volatile uint32_t divisor;

void UsageFault_Handler(void) {
    results[1] = CFSR;
    simtiny_exit(0x43);
}

__attribute__((noinline)) uint32_t divide(uint32_t a, uint32_t b) {
    return a / b;
}

int main(void) {
    results[0] = divide(7u, divisor) + 1u; /* no trap yet: 0 + 1 */
    SHCSR |= 1u << 18;
    CCR |= 1u << 4;
    __asm__ volatile("dsb\n isb" ::: "memory");
    results[2] = divide(8u, divisor);
    return 1;
}
