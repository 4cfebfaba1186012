/* UART0 console of the MPS2 (Arm CMSDK APB UART, DDI 0479 4.3): polled transmit and receive
 * enabled, 115200 baud from the 25 MHz APB clock (BAUDDIV at least 16). */
#include "simtiny_hal.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define UART0_BASE 0x40004000u
#define UART0_DATA REG(UART0_BASE + 0x00u)
#define UART0_STATE REG(UART0_BASE + 0x04u)
#define UART0_CTRL REG(UART0_BASE + 0x08u)
#define UART0_BAUDDIV REG(UART0_BASE + 0x10u)

#define STATE_TX_FULL (1u << 0)
#define CTRL_TX_EN (1u << 0)
#define CTRL_RX_EN (1u << 1)
#define APB_HZ 25000000u

void simtiny_console_init(void) {
    UART0_BAUDDIV = APB_HZ / 115200u; /* 217: 115207 baud */
    UART0_CTRL = CTRL_TX_EN | CTRL_RX_EN;
}

void simtiny_console_write(const char *text, size_t length) {
    for (size_t i = 0; i < length; i++) {
        while (UART0_STATE & STATE_TX_FULL) {
        }
        UART0_DATA = (uint8_t)text[i];
    }
}

void simtiny_console_puts(const char *text) {
    size_t n = 0;
    while (text[n]) n++;
    simtiny_console_write(text, n);
}
