/* Semihosting calls with arguments outside the board's memory, one per `bad_call` value: the
 * simulator must end the run with a fault, never allocate what the firmware asks for.
 * `bad_call` sits in .noinit, where the host pokes it before reset (the startup code clears
 * .bss and copies .data after that); unpoked it reads 0: SYS_WRITE of 0xFFFFFFF0 bytes. */
#include "simtiny_hal.h"

#define SYS_OPEN 0x01
#define SYS_WRITE0 0x04
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_GET_CMDLINE 0x15
#define SYS_HEAPINFO 0x16

__attribute__((section(".noinit"))) volatile uint32_t bad_call;
static char buffer[64];

static int semihost_call(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

int main(void) {
    switch (bad_call) {
    case 0: { /* a huge length from a valid buffer */
        const uint32_t block[3] = {1u, (uint32_t)buffer, 0xFFFFFFF0u};
        semihost_call(SYS_WRITE, block);
        break;
    }
    case 1: /* a string in unmapped memory (FMC bank 1) */
        semihost_call(SYS_WRITE0, (const void *)0x60000000u);
        break;
    case 2: { /* read into flash: the host may not write there */
        const uint32_t block[3] = {1u, 0x08000000u, 16u};
        semihost_call(SYS_READ, block);
        break;
    }
    case 3: /* the argument block itself is unmapped */
        semihost_call(SYS_OPEN, (const void *)0xFFFFFFF8u);
        break;
    case 4: { /* a command-line buffer running off the end of DTCM */
        const uint32_t block[2] = {0x2001FFF0u, 0x100u};
        semihost_call(SYS_GET_CMDLINE, block);
        break;
    }
    case 5: { /* heap information written to a peripheral window */
        const uint32_t block[1] = {0x40004800u};
        semihost_call(SYS_HEAPINFO, block);
        break;
    }
    case 6: { /* a string with no terminator before the end of the AXI SRAM */
        volatile char *tail = (volatile char *)0x2407FFC0u;
        for (uint32_t i = 0; i < 64u; i++) tail[i] = 'A';
        semihost_call(SYS_WRITE0, (const void *)tail);
        break;
    }
    default:
        break;
    }
    simtiny_semihost_puts("survived\n");
    return 0;
}
