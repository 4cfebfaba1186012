/* Sleeps in WFI with no interrupt enabled: nothing can wake the core, the run ends at once. */
#include "simtiny_hal.h"

__attribute__((noinline)) void sleep_forever(void) {
    __asm__ volatile("wfi" ::: "memory");
}

int main(void) {
    sleep_forever();
    return 0;
}
