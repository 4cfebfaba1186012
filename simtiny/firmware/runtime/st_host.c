/* Host build of a generated model (fast kernel tests): no cycle counter. */
#include "st_runtime.h"

uint32_t st_cycles(void) {
    return 0;
}
