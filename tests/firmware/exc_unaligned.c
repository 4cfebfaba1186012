/* Armv7-M alignment (Armv7-M ARM A3.2.1): with CCR.UNALIGN_TRP clear an unaligned LDR reads on;
 * LDRD, LDM and VLDR at an address that is not word-aligned take UsageFault UNALIGNED whatever the
 * trap says; with CCR.UNALIGN_TRP set an unaligned LDRH faults too, an aligned one and an LDRB
 * do not. The UsageFault handler records CFSR, clears it and steps over the faulting
 * instruction (the stacked PC), so one run sees every case. Built with -DNO_HANDLER, the first
 * LDRD is an unhandled fault. */
#include "simtiny_hal.h"

#define CCR (*(volatile uint32_t *)0xE000ED14u)
#define SHCSR (*(volatile uint32_t *)0xE000ED24u)
#define CFSR (*(volatile uint32_t *)0xE000ED28u)

volatile uint32_t results[8];
volatile uint32_t fault_count;
volatile uint32_t first_cfsr;
static uint8_t bytes[16] __attribute__((aligned(8))) = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                                       0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

#ifndef NO_HANDLER
void usage_fault(uint32_t *frame) {
    uint32_t cfsr = CFSR;
    if (fault_count == 0) first_cfsr = cfsr;
    fault_count++;
    CFSR = cfsr; /* write one to clear */
    uint16_t first = *(const uint16_t *)frame[6];
    frame[6] += (first & 0xF800u) >= 0xE800u ? 4u : 2u; /* over the 16- or 32-bit instruction */
}

__attribute__((naked)) void UsageFault_Handler(void) {
    __asm__ volatile("tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n b usage_fault\n");
}
#endif

int main(void) {
    const uint8_t *odd = &bytes[1];
    const uint8_t *half = &bytes[2];
    uint32_t value;
    SHCSR |= 1u << 18; /* UsageFault enabled: not escalated to HardFault */
    __asm__ volatile("ldr %0, [%1]" : "=r"(value) : "r"(odd) : "memory");
    results[0] = value;
    __asm__ volatile("ldrd r2, r3, [%0]" : : "r"(half) : "r2", "r3", "memory");
    __asm__ volatile("ldm %0, {r2, r3}" : : "r"(half) : "r2", "r3", "memory");
    __asm__ volatile("vldr s0, [%0]" : : "r"(half) : "s0", "memory");
    results[1] = fault_count;
    CCR |= 1u << 3; /* UNALIGN_TRP */
    __asm__ volatile("dsb\n isb" ::: "memory");
    __asm__ volatile("ldrh %0, [%1]" : "=r"(value) : "r"(odd) : "memory");
    results[2] = fault_count;
    __asm__ volatile("ldrh %0, [%1]" : "=r"(value) : "r"(half) : "memory");
    results[3] = value;
    __asm__ volatile("ldrb %0, [%1]" : "=r"(value) : "r"(odd) : "memory");
    results[4] = value | fault_count << 8;
    CCR &= ~(1u << 3);
    __asm__ volatile("dsb\n isb" ::: "memory");
    __asm__ volatile("ldr %0, [%1]" : "=r"(value) : "r"(half) : "memory");
    results[5] = value;
    results[6] = first_cfsr;
    results[7] = fault_count;
    return 0;
}
