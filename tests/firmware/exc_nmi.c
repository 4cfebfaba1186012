/* NMI (priority -2): pended by software through ICSR.NMIPENDSET, it pre-empts at once even with
 * PRIMASK and FAULTMASK set, which hold back everything else; a PendSV pended under the same
 * masks waits until they are cleared. The handlers record the order and IPSR: N, then main, then P. */
#include "simtiny_hal.h"

#define ICSR (*(volatile uint32_t *)0xE000ED04u)

volatile uint32_t results[8];
volatile char order[4];
volatile uint32_t n_order;

static uint32_t ipsr(void) {
    uint32_t value;
    __asm__ volatile("mrs %0, ipsr" : "=r"(value));
    return value;
}

void NMI_Handler(void) {
    results[0] = ipsr();
    results[1] = ICSR >> 31; /* NMIPENDSET reads 0 once the NMI is active */
    order[n_order++] = 'N';
}

void PendSV_Handler(void) {
    results[2] = ipsr();
    order[n_order++] = 'P';
}

int main(void) {
    __asm__ volatile("cpsid i\n cpsid f" ::: "memory");
    ICSR = 1u << 28; /* PENDSVSET: masked */
    ICSR = 1u << 31; /* NMIPENDSET: taken now */
    __asm__ volatile("dsb\n isb" ::: "memory");
    order[n_order++] = 'm';
    __asm__ volatile("cpsie f\n cpsie i" ::: "memory");
    __asm__ volatile("dsb\n isb" ::: "memory");
    results[3] = (uint32_t)order[0] | (uint32_t)order[1] << 8 | (uint32_t)order[2] << 16;
    results[4] = n_order;
    return 0;
}
