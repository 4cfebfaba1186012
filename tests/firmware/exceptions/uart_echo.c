/* Echoes every line received on USART3: the RXNE interrupt (NVIC line 39, handler in a RAM vector
 * table) stores each byte; main sleeps in WFI and prints "echo: <line>" for each CR- or
 * LF-terminated line, and exits with the number of lines after the line "quit". */
#include "simtiny_hal.h"

#define VTOR (*(volatile uint32_t *)0xE000ED08u)
#define NVIC_ISER1 (*(volatile uint32_t *)0xE000E104u)
#define USART3_CR1 (*(volatile uint32_t *)0x40004800u)
#define USART3_ISR (*(volatile uint32_t *)0x4000481Cu)
#define USART3_ICR (*(volatile uint32_t *)0x40004820u)
#define USART3_RDR (*(volatile uint32_t *)0x40004824u)
#define USART3_IRQ 39u
#define CR1_UE (1u << 0)
#define CR1_RE (1u << 2)
#define CR1_TE (1u << 3)
#define CR1_RXNEIE (1u << 5)
#define ISR_ORE (1u << 3)

typedef void (*vector_t)(void);
extern const vector_t simtiny_vectors[];
__attribute__((aligned(1024))) static vector_t ram_vectors[16 + SIMTINY_IRQ_LINES];

static volatile char ring[256];
static volatile uint32_t head, tail;
volatile uint32_t overruns;

static void usart3_handler(void) {
    if (USART3_ISR & ISR_ORE) {
        overruns++;
        USART3_ICR = ISR_ORE;
    }
    ring[head & 0xFFu] = (char)USART3_RDR; /* reading RDR clears RXNE */
    head++;
}

static int next_byte(void) {
    while (tail == head) {
        __asm__ volatile("wfi" ::: "memory");
    }
    char c = ring[tail & 0xFFu];
    tail++;
    return c;
}

int main(void) {
    for (uint32_t i = 0; i < 16u + SIMTINY_IRQ_LINES; i++) ram_vectors[i] = simtiny_vectors[i];
    ram_vectors[16 + USART3_IRQ] = usart3_handler;
    VTOR = (uint32_t)(uintptr_t)ram_vectors;
    __asm__ volatile("dsb\n isb" ::: "memory");
    USART3_CR1 |= CR1_UE | CR1_TE | CR1_RE | CR1_RXNEIE;
    NVIC_ISER1 = 1u << (USART3_IRQ - 32u);
    simtiny_console_puts("ready\r\n");
    char line[80];
    uint32_t n = 0, lines = 0;
    for (;;) {
        int c = next_byte();
        if (c != '\r' && c != '\n') {
            if (n < sizeof line - 1u) line[n++] = (char)c;
            continue;
        }
        if (n == 0) continue;
        line[n] = 0;
        n = 0;
        lines++;
        simtiny_console_puts("echo: ");
        simtiny_console_puts(line);
        simtiny_console_puts("\r\n");
        if (line[0] == 'q' && line[1] == 'u' && line[2] == 'i' && line[3] == 't' && line[4] == 0) {
            return (int)lines;
        }
    }
}
