/* Reset for firmware linked with newlib's rdimon (--specs=rdimon.specs) on the STM32H743: the
 * vector table the core boots from, then what rdimon's start-up code leaves to the board -- the
 * FPU switched on and .data copied from flash (a debugger would have loaded it) -- before
 * rdimon's _start, which clears .bss, asks the host for the heap (SYS_HEAPINFO), opens the
 * console, runs main and exits through semihosting. */
#include <stdint.h>

extern uint32_t __stack, __data_load__, __data_start__, __data_end__;
extern void _start(void);
void Reset_Handler(void);

static void stop(void) {
    for (;;) { /* an unexpected exception: the simulator reports where the core is */
    }
}

/* A firmware that runs a SysTick tick defines SysTick_Handler; the others stop there. */
void SysTick_Handler(void) __attribute__((weak, alias("stop")));

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&__stack, Reset_Handler, stop, stop, stop, stop, stop, 0, 0, 0, 0, stop, stop, 0,
    stop, SysTick_Handler,
};

__attribute__((noreturn)) void Reset_Handler(void) {
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CPACR: CP10 and CP11, the FPU */
    __asm__ volatile("dsb\n isb" ::: "memory");
    const volatile uint32_t *src = &__data_load__;
    for (volatile uint32_t *dst = &__data_start__; dst < &__data_end__;) *dst++ = *src++;
    _start();
    for (;;) {
    }
}
