/* HAL_Delay as ST's HAL writes it: a 1 kHz SysTick interrupt counts milliseconds and the delay
 * busy-waits on the count. 50 ms must take 24,000,000 cycles at 480 MHz. (Its instruction count
 * depends on the cycle model, so it is not with the firmwares tests/test_differential.py runs.) */
#include "simtiny_hal.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static volatile uint32_t uwTick;
volatile uint32_t results[4];

void SysTick_Handler(void) {
    uwTick++;
}

static uint32_t HAL_GetTick(void) {
    return uwTick;
}

__attribute__((noinline)) void HAL_Delay(uint32_t delay) {
    uint32_t start = HAL_GetTick();
    uint32_t wait = delay + 1u; /* ST's HAL adds one tick for the minimum wait */
    while ((HAL_GetTick() - start) < wait) {
    }
}

int main(void) {
    simtiny_cycles_init();
    SYST_RVR = 480000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u;
    HAL_Delay(0); /* align to a tick edge, as the first HAL_Delay after a tick would */
    uint32_t c0 = simtiny_cycles();
    HAL_Delay(49u); /* 49 + 1 ticks = 50 ms */
    uint32_t c1 = simtiny_cycles();
    results[0] = c1 - c0;
    results[1] = uwTick;
    return 0;
}
