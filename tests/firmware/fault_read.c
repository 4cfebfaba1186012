/* Reads 0x60000000 (FMC bank 1, nothing mapped there) from a function named f. */
#include "simtiny_hal.h"

__attribute__((noinline)) uint32_t f(volatile const uint32_t *p) {
    return *p + 1u;
}

int main(void) {
    return (int)f((volatile const uint32_t *)0x60000000u);
}
