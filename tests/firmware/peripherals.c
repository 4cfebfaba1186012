/* Touches a timer no model covers (TIM2) and reads SysTick and the DWT counter, which the
 * simulator must make count with the core clock. */
#include "simtiny_hal.h"

#define TIM2_CR1 (*(volatile uint32_t *)0x40000000u)
#define TIM2_CNT (*(volatile uint32_t *)0x40000024u)
#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

volatile uint32_t results[6];

int main(void) {
    simtiny_cycles_init();
    TIM2_CR1 = 1u;
    results[0] = TIM2_CNT;
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 5u; /* ENABLE, CLKSOURCE = core clock */
    uint32_t c0 = simtiny_cycles();
    uint32_t s0 = SYST_CVR;
    for (volatile int i = 0; i < 1000; i++) {
    }
    uint32_t s1 = SYST_CVR;
    uint32_t c1 = simtiny_cycles();
    results[1] = s0 - s1; /* SysTick counts down */
    results[2] = c1 - c0;
    results[3] = *(volatile uint32_t *)0xE000ED00u; /* CPUID */
    return 0;
}
