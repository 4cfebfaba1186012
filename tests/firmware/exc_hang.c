/* Ends in a `b .` with no interrupt enabled: the simulator must report a hang in stuck_here at
 * once instead of spinning to its instruction budget. */
#include "simtiny_hal.h"

__attribute__((noinline)) void stuck_here(void) {
    __asm__ volatile("b ." ::: "memory");
}

int main(void) {
    simtiny_console_init();
    simtiny_console_puts("waiting\r\n");
    stuck_here();
    return 0;
}
