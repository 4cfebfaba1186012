/* Fault handlers: an undefined instruction with UsageFault enabled enters UsageFault_Handler,
 * which records CFSR and skips the instruction; a read of unmapped memory with BusFault disabled
 * escalates to HardFault_Handler, which prints CFSR, HFSR and BFAR and exits with 0x42. */
#include "simtiny_hal.h"

#define SHCSR (*(volatile uint32_t *)0xE000ED24u)
#define CFSR (*(volatile uint32_t *)0xE000ED28u)
#define HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define BFAR (*(volatile uint32_t *)0xE000ED38u)

volatile uint32_t results[8];

__attribute__((used)) void usage_main(uint32_t *frame) {
    results[0] = CFSR;
    results[1] = frame[6]; /* the faulting instruction */
    CFSR = results[0];     /* write one to clear */
    results[2] = CFSR;
    frame[6] += 2u; /* skip the 16-bit udf */
}

__attribute__((naked)) void UsageFault_Handler(void) {
    __asm__ volatile("mov r0, sp\n b usage_main\n");
}

static void put_hex(const char *label, uint32_t value) {
    char text[32];
    int n = 0;
    while (*label) text[n++] = *label++;
    for (int shift = 28; shift >= 0; shift -= 4) text[n++] = "0123456789ABCDEF"[(value >> shift) & 0xFu];
    text[n++] = '\r';
    text[n++] = '\n';
    simtiny_console_write(text, (size_t)n);
}

void HardFault_Handler(void) {
    results[3] = CFSR;
    results[4] = HFSR;
    results[5] = BFAR;
    put_hex("CFSR=", results[3]);
    put_hex("HFSR=", results[4]);
    put_hex("BFAR=", results[5]);
    simtiny_exit(0x42);
}

__attribute__((noinline)) uint32_t read_nothing(void) {
    return *(volatile const uint32_t *)0x60000000u;
}

int main(void) {
    simtiny_console_init();
    SHCSR |= 1u << 18; /* USGFAULTENA */
    __asm__ volatile("udf #1" ::: "memory");
    results[6] = 1u; /* ran on after the handler */
    return (int)read_nothing();
}
