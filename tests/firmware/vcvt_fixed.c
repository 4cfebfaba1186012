/* VCVT from fixed point to floating point rounds to nearest whatever FPSCR.RMode says (Armv7-M
 * ARM, VCVT between floating-point and fixed-point: FixedToFP rounds to nearest); VCVT from an
 * integer follows FPSCR.RMode. With round-towards-zero set, 1251958721 / 2 (exactly
 * 625979360.5, between the floats 625979328 and 625979392) converts to 625979392 through the
 * fixed-point form and to 1251958656 through the integer form (RZ). `results` holds the bits. */
#include "simtiny_hal.h"

volatile uint32_t results[4];

int main(void) {
    uint32_t fpscr;
    __asm__ volatile("vmrs %0, fpscr" : "=r"(fpscr));
    __asm__ volatile("vmsr fpscr, %0" : : "r"((fpscr & ~(3u << 22)) | (3u << 22)) : "memory"); /* RZ */
    uint32_t fixed, integer;
    __asm__ volatile("vmov s0, %1\n vcvt.f32.s32 s0, s0, #1\n vmov %0, s0" : "=r"(fixed) : "r"(1251958721u) : "s0");
    __asm__ volatile("vmov s1, %1\n vcvt.f32.s32 s1, s1\n vmov %0, s1" : "=r"(integer) : "r"(1251958721u) : "s1");
    results[0] = fixed;
    results[1] = integer;
    return fixed == 0x4E153EC0u && integer == 0x4E953EBFu ? 0 : 1;
}
