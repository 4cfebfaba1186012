/* Writes to flash from a function named write_flash: a store to read-only memory. */
#include "simtiny_hal.h"

const uint32_t table[4] = {1, 2, 3, 4};

__attribute__((noinline)) void write_flash(volatile uint32_t *p, uint32_t value) {
    *p = value;
}

int main(void) {
    write_flash((volatile uint32_t *)&table[2], 42u);
    return 0;
}
