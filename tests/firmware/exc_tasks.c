/* Two tasks on their own process stacks (PSP), switched by PendSV: each yields by pending
 * PendSV, the handler saves r4-r11 on the running task's stack and returns to the other task
 * with EXC_RETURN 0xFFFFFFFD. The log must read ABABABAB and each task keeps its own count. */
#include "simtiny_hal.h"

#define ICSR (*(volatile uint32_t *)0xE000ED04u)
#define SHPR3 (*(volatile uint32_t *)0xE000ED20u)

volatile char log_text[16];
volatile uint32_t log_length;
volatile uint32_t results[8];

static uint32_t stack_a[128] __attribute__((aligned(8)));
static uint32_t stack_b[128] __attribute__((aligned(8)));
static uint32_t *saved_sp[2];
static uint32_t current;

__attribute__((used)) uint32_t *switch_context(uint32_t *sp) {
    if (sp != 0) saved_sp[current] = sp;
    current ^= sp != 0 ? 1u : 0u;
    return saved_sp[current];
}

__attribute__((naked)) void PendSV_Handler(void) {
    __asm__ volatile(
        "mrs r0, psp\n"
        "cbz r0, 1f\n"
        "stmdb r0!, {r4-r11}\n"
        "1:\n"
        "push {r3, lr}\n"
        "bl switch_context\n"
        "pop {r3, lr}\n"
        "ldmia r0!, {r4-r11}\n"
        "msr psp, r0\n"
        "mvn lr, #2\n" /* 0xFFFFFFFD: Thread mode, PSP */
        "bx lr\n");
}

static void yield(void) {
    ICSR = 1u << 28;
    __asm__ volatile("dsb\n isb" ::: "memory");
}

static void record(char c) {
    log_text[log_length++] = c;
    if (log_length == 8u) {
        uint32_t control;
        __asm__ volatile("mrs %0, control" : "=r"(control));
        results[0] = control;
        simtiny_exit(0);
    }
}

static void task_a(void) {
    uint32_t mine = 0;
    for (;;) {
        mine++;
        results[1] = mine;
        record('A');
        yield();
    }
}

static void task_b(void) {
    uint32_t mine = 100;
    for (;;) {
        mine++;
        results[2] = mine;
        record('B');
        yield();
    }
}

static uint32_t *initial_frame(uint32_t *top, void (*entry)(void)) {
    uint32_t *sp = top - 16; /* r4-r11, then r0-r3, r12, lr, pc, xpsr */
    for (int i = 0; i < 16; i++) sp[i] = 0;
    sp[13] = 0xFFFFFFFFu; /* lr: tasks never return */
    sp[14] = (uint32_t)(uintptr_t)entry & ~1u;
    sp[15] = 1u << 24; /* xPSR: Thumb */
    return sp;
}

int main(void) {
    SHPR3 = 0xF0u << 16; /* PendSV lowest */
    saved_sp[0] = initial_frame(stack_a + 128, task_a);
    saved_sp[1] = initial_frame(stack_b + 128, task_b);
    current = 0;
    __asm__ volatile("msr psp, %0" : : "r"(0) : "memory");
    yield(); /* the first switch: main's MSP frame is left behind */
    return 1;
}
