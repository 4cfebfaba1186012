/* Prints FLOOD_BYTES (a -D define; 3 MB without) of 64-character lines through semihosting
 * SYS_WRITE in 4 KB writes, then a line on the UART, and exits with 0: host memory must not
 * grow with the amount printed. */
#include "simtiny_hal.h"

#ifndef FLOOD_BYTES
#define FLOOD_BYTES (3u << 20)
#endif

#define SYS_WRITE 0x05
#define CHUNK 4096u

volatile uint32_t flood_bytes = FLOOD_BYTES;
static char chunk[CHUNK];

static int semihost_call(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

int main(void) {
    for (uint32_t i = 0; i < CHUNK; i++) chunk[i] = (i % 64u == 63u) ? '\n' : (char)('a' + i % 26u);
    uint32_t left = flood_bytes;
    while (left) {
        uint32_t n = left < CHUNK ? left : CHUNK;
        const uint32_t block[3] = {1u, (uint32_t)chunk, n};
        semihost_call(SYS_WRITE, block);
        left -= n;
    }
    simtiny_console_init();
    simtiny_console_puts("flood done\r\n");
    return 0;
}
