/* Firmware entry for a generated model: clocks up, cycle counter on, run, exit status. The
 * host writes the inputs into the arena before reset and reads outputs and st_op_cycles. */
#include "simtiny_hal.h"
#include "st_runtime.h"

uint32_t st_cycles(void) {
    return simtiny_cycles();
}

int main(void) {
    simtiny_clock_init();
    simtiny_cycles_init();
    return st_model_run();
}
