/* USART3 console (NUCLEO-H743ZI ST-LINK virtual COM port), polled, 115200 8N1. */
#include "simtiny_hal.h"

#define RCC_APB1LENR (*(volatile uint32_t *)0x580244E8u)
#define USART3_BASE 0x40004800u
#define USART3_CR1 (*(volatile uint32_t *)(USART3_BASE + 0x00u))
#define USART3_BRR (*(volatile uint32_t *)(USART3_BASE + 0x0Cu))
#define USART3_ISR (*(volatile uint32_t *)(USART3_BASE + 0x1Cu))
#define USART3_TDR (*(volatile uint32_t *)(USART3_BASE + 0x28u))

#define USART_CR1_UE (1u << 0)
#define USART_CR1_TE (1u << 3)
#define USART_ISR_TXE (1u << 7)
#define USART_ISR_TEACK (1u << 21)
#define APB1_HZ 120000000u

void simtiny_console_init(void) {
    RCC_APB1LENR |= 1u << 18; /* USART3EN */
    USART3_CR1 = 0;
    USART3_BRR = APB1_HZ / 115200u;
    USART3_CR1 = USART_CR1_TE | USART_CR1_UE;
    while (!(USART3_ISR & USART_ISR_TEACK)) {
    }
}

void simtiny_console_write(const char *text, size_t length) {
    for (size_t i = 0; i < length; i++) {
        while (!(USART3_ISR & USART_ISR_TXE)) {
        }
        USART3_TDR = (uint8_t)text[i];
    }
}

void simtiny_console_puts(const char *text) {
    size_t n = 0;
    while (text[n]) n++;
    simtiny_console_write(text, n);
}
