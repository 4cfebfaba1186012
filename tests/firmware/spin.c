/* Never ends: spin_forever loops on a counter, the simulator must stop it at its budget. */
#include "simtiny_hal.h"

volatile uint32_t spins;

__attribute__((noinline)) void spin_forever(void) {
    for (;;) spins++;
}

int main(void) {
    simtiny_console_init();
    simtiny_console_puts("spinning\r\n");
    spin_forever();
    return 0;
}
