/* USART1 console (the STM32F746G-DISCO's ST-LINK virtual COM port: TX on PA9, RX on PB7, both
 * AF7), polled, 115200 8N1 from the 108 MHz APB2 clock. */
#include "simtiny_hal.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RCC_AHB1ENR REG(0x40023830u)
#define RCC_APB2ENR REG(0x40023844u)
#define GPIOA_MODER REG(0x40020000u)
#define GPIOA_AFRH REG(0x40020024u)
#define GPIOB_MODER REG(0x40020400u)
#define GPIOB_AFRL REG(0x40020420u)
#define USART1_BASE 0x40011000u
#define USART1_CR1 REG(USART1_BASE + 0x00u)
#define USART1_BRR REG(USART1_BASE + 0x0Cu)
#define USART1_ISR REG(USART1_BASE + 0x1Cu)
#define USART1_TDR REG(USART1_BASE + 0x28u)

#define USART_CR1_UE (1u << 0)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RE (1u << 2)
#define USART_ISR_TXE (1u << 7)
#define USART_ISR_TEACK (1u << 21)
#define APB2_HZ 108000000u
#define AF_USART1 7u

void simtiny_console_init(void) {
    RCC_AHB1ENR |= (1u << 0) | (1u << 1);             /* GPIOAEN, GPIOBEN */
    RCC_APB2ENR |= 1u << 4;                           /* USART1EN */
    GPIOA_MODER = (GPIOA_MODER & ~(3u << 18)) | (2u << 18); /* PA9: alternate function */
    GPIOA_AFRH = (GPIOA_AFRH & ~(0xFu << 4)) | (AF_USART1 << 4);
    GPIOB_MODER = (GPIOB_MODER & ~(3u << 14)) | (2u << 14); /* PB7: alternate function */
    GPIOB_AFRL = (GPIOB_AFRL & ~(0xFu << 28)) | (AF_USART1 << 28);
    USART1_CR1 = 0;
    USART1_BRR = (APB2_HZ + 115200u / 2u) / 115200u;  /* 938: 115139 baud, -0.05% */
    USART1_CR1 = USART_CR1_TE | USART_CR1_RE | USART_CR1_UE;
    while (!(USART1_ISR & USART_ISR_TEACK)) {
    }
}

void simtiny_console_write(const char *text, size_t length) {
    for (size_t i = 0; i < length; i++) {
        while (!(USART1_ISR & USART_ISR_TXE)) {
        }
        USART1_TDR = (uint8_t)text[i];
    }
}

void simtiny_console_puts(const char *text) {
    size_t n = 0;
    while (text[n]) n++;
    simtiny_console_write(text, n);
}
