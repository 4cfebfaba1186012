/* SVC enters SVC_Handler, which reads its number from the stacked PC, doubles the caller's r0
 * and pends PendSV; PendSV (lowest priority) runs when SVC_Handler returns, and a NVIC line
 * pended by software (STIR, handler in a RAM vector table at a moved VTOR) with a priority between
 * them runs first: the order is S, I, P, then main. */
#include "simtiny_hal.h"

#define ICSR (*(volatile uint32_t *)0xE000ED04u)
#define SHPR2 (*(volatile uint32_t *)0xE000ED1Cu)
#define SHPR3 (*(volatile uint32_t *)0xE000ED20u)
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)
#define NVIC_IPR (*(volatile uint8_t *)0xE000E400u)
#define STIR (*(volatile uint32_t *)0xE000EF00u)

volatile uint32_t results[8];
volatile char order[8];
volatile uint32_t n_order;

__attribute__((used)) void svc_main(uint32_t *frame) {
    const uint16_t *insn = (const uint16_t *)(frame[6] - 2u);
    results[0] = *insn & 0xFFu; /* the SVC number */
    frame[0] *= 2u;             /* the caller's r0 on return */
    order[n_order++] = 'S';
    ICSR = 1u << 28; /* PENDSVSET: runs after this handler (lower priority) */
    STIR = 0;        /* interrupt line 0 */
    results[1] = ICSR;
}

__attribute__((naked)) void SVC_Handler(void) {
    __asm__ volatile(
        "tst lr, #4\n"
        "ite eq\n"
        "mrseq r0, msp\n"
        "mrsne r0, psp\n"
        "b svc_main\n");
}

void PendSV_Handler(void) {
    order[n_order++] = 'P';
}

void line0_handler(void) {
    order[n_order++] = 'I';
}

__attribute__((noinline)) uint32_t call_svc(uint32_t value) {
    register uint32_t r0 __asm__("r0") = value;
    __asm__ volatile("svc #42" : "+r"(r0) : : "memory");
    return r0;
}

#define VTOR (*(volatile uint32_t *)0xE000ED08u)
typedef void (*vector_t)(void);
extern const vector_t simtiny_vectors[];
__attribute__((aligned(1024))) static vector_t ram_vectors[16 + SIMTINY_IRQ_LINES];

int main(void) {
    /* A copy of the vector table in RAM with a handler for line 0: VTOR moves there. */
    for (uint32_t i = 0; i < 16u + SIMTINY_IRQ_LINES; i++) ram_vectors[i] = simtiny_vectors[i];
    ram_vectors[16] = line0_handler;
    VTOR = (uint32_t)(uintptr_t)ram_vectors;
    __asm__ volatile("dsb\n isb" ::: "memory");
    SHPR3 = 0xF0u << 16; /* PendSV lowest, SysTick 0 */
    SHPR2 = 0x00u << 24; /* SVCall highest */
    NVIC_IPR = 0x80u;    /* line 0 between them */
    NVIC_ISER0 = 1u;
    results[2] = call_svc(21u);
    order[n_order++] = 'M';
    results[3] = n_order;
    return 0;
}
