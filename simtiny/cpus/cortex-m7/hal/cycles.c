/* DWT cycle counter: the clock every simtiny timing figure is read from. */
#include "simtiny_hal.h"

#define DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define DWT_LAR (*(volatile uint32_t *)0xE0001FB0u)

void simtiny_cycles_init(void) {
    DEMCR |= 1u << 24;      /* TRCENA */
    DWT_LAR = 0xC5ACCE55u;  /* unlock (needed on the Cortex-M7) */
    DWT_CYCCNT = 0;
    DWT_CTRL |= 1u;         /* CYCCNTENA */
}

uint32_t simtiny_cycles(void) {
    return DWT_CYCCNT;
}
