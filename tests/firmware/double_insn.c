/* One double-precision FPU instruction, whatever FPU the build targets: it runs on an FPv5-D16
 * core (the STM32H743) and is undefined on an FPv5-SP-D16 core (the STM32F746). */
#include "simtiny_hal.h"

int main(void) {
    __asm__ volatile(".inst.w 0xee300b01" ::: "memory"); /* vadd.f64 d0, d0, d1 */
    return 3;
}
