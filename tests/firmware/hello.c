/* Prints through USART3 and through semihosting, reads the cycle counter, exits with 7. */
#include "simtiny_hal.h"

volatile uint32_t hello_cycles;  /* CYCCNT just before exit, read back by the tests */

int main(void) {
    simtiny_clock_init();
    simtiny_cycles_init();
    simtiny_console_init();
    simtiny_console_puts("hello from USART3\r\n");
    simtiny_semihost_puts("hello from semihosting\n");
    hello_cycles = simtiny_cycles();
    return 7;
}
