/* The MPS2's FPGA clocks the core at a fixed 25 MHz: there is nothing to set up. */
#include "simtiny_hal.h"

void simtiny_clock_init(void) {
}
