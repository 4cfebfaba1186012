/* Firmware entry for a generated model: clocks up, caches on, cycle counter on, run, exit
 * status. The host writes the inputs into the arena before reset and reads outputs,
 * st_op_stamps and st_inference_cycles. */
#include "simtiny_hal.h"
#include "st_runtime.h"

uint32_t st_cycles(void) {
    return simtiny_cycles();
}

uint32_t st_inference_cycles; /* CYCCNT around the whole st_model_run() */

int main(void) {
    simtiny_clock_init();
    simtiny_caches_enable();
    simtiny_cycles_init();
    const uint32_t start = simtiny_cycles();
    const int status = st_model_run();
    st_inference_cycles = simtiny_cycles() - start;
    return status;
}
