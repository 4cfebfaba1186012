/* Cortex-M7 start-up for simtiny firmware: the vector table (16 core exceptions plus the part's
 * SIMTINY_IRQ_LINES interrupt lines, from the board's platform.toml) and the reset handler.
 * Enables the FPU, copies .data, clears .bss, paints the stack (firmware contract), runs
 * main() and reports its return value through semihosting. */
#include <stdint.h>

#include "simtiny_hal.h"

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss, _stack_bottom;
extern int main(void);

void Reset_Handler(void);
void Default_Handler(void);

#define WEAK_HANDLER(name) void name(void) __attribute__((weak, alias("Default_Handler")))
WEAK_HANDLER(NMI_Handler);
WEAK_HANDLER(HardFault_Handler);
WEAK_HANDLER(MemManage_Handler);
WEAK_HANDLER(BusFault_Handler);
WEAK_HANDLER(UsageFault_Handler);
WEAK_HANDLER(SVC_Handler);
WEAK_HANDLER(DebugMon_Handler);
WEAK_HANDLER(PendSV_Handler);
WEAK_HANDLER(SysTick_Handler);

typedef void (*vector_t)(void);

#ifndef SIMTINY_IRQ_LINES
#error "SIMTINY_IRQ_LINES (the part's interrupt lines) comes from irq_lines in the board's platform.toml"
#endif

/* Every interrupt line points at Default_Handler: a range designator (a GNU C extension that gcc
 * and clang both accept) fills them, so one table serves every part. */
__attribute__((section(".isr_vector"), used)) const vector_t simtiny_vectors[16 + SIMTINY_IRQ_LINES] = {
    (vector_t)(uintptr_t)&_estack,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0, 0, 0, 0,
    SVC_Handler,
    DebugMon_Handler,
    0,
    PendSV_Handler,
    SysTick_Handler,
    [16 ... 15 + SIMTINY_IRQ_LINES] = Default_Handler,
};

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

void Default_Handler(void) {
    simtiny_exit(SIMTINY_EXIT_UNHANDLED_EXCEPTION);
}

/* Runs once before main: compiled for size with gcc (clang has no per-function optimisation
 * level), so that the flash goes to the code the firmware runs often. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("Os")))
#endif
__attribute__((noreturn)) void Reset_Handler(void) {
    SCB_CPACR |= 0xFu << 20; /* CP10, CP11: full access to the FPU */
    __asm__ volatile("dsb\n isb" ::: "memory");

    volatile uint32_t *src = &_sidata;
    for (volatile uint32_t *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
    for (volatile uint32_t *dst = &_sbss; dst < &_ebss;) *dst++ = 0;

    /* Paint the stack below the current frame so the host can read the high-water mark. */
    uint32_t here;
    __asm__ volatile("mov %0, sp" : "=r"(here));
    for (volatile uint32_t *p = &_stack_bottom; p < (volatile uint32_t *)(here - 64u);) {
        *p++ = SIMTINY_STACK_PAINT_WORD;
    }

    simtiny_exit(main());
}
