/* Requests a system reset through AIRCR.SYSRESETREQ: the run ends there (status fault,
 * "system reset requested"), it does not restart the firmware. */
#include "simtiny_hal.h"

#define AIRCR (*(volatile uint32_t *)0xE000ED0Cu)

__attribute__((noinline)) void request_reset(void) {
    AIRCR = 0x05FA0004u;
    __asm__ volatile("dsb" ::: "memory");
    for (;;) {
    }
}

int main(void) {
    request_reset();
    return 0;
}
