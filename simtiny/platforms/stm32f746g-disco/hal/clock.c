/* System clock to 216 MHz from the 25 MHz HSE crystal of the STM32F746G-DISCO: power interface
 * on, voltage scale 1, HSE, PLL (M=25, N=432, P=2, Q=9: 216 MHz, 48 MHz on Q), over-drive,
 * 7 flash wait states with the ART accelerator and prefetch, bus prescalers (APB1 /4 = 54 MHz,
 * APB2 /2 = 108 MHz), switch. The sequence of ST's SystemClock_Config for this board (RM0385
 * 4.4 and 5.3), register by register. */
#include "simtiny_hal.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RCC_CR REG(0x40023800u)
#define RCC_PLLCFGR REG(0x40023804u)
#define RCC_CFGR REG(0x40023808u)
#define RCC_APB1ENR REG(0x40023840u)
#define PWR_CR1 REG(0x40007000u)
#define PWR_CSR1 REG(0x40007004u)
#define FLASH_ACR REG(0x40023C00u)

void simtiny_clock_init(void) {
    RCC_APB1ENR |= 1u << 28;                          /* PWREN */
    PWR_CR1 = (PWR_CR1 & ~(3u << 14)) | (3u << 14);   /* VOS: scale 1 */

    RCC_CR |= 1u << 16;                               /* HSEON (crystal, no bypass) */
    while (!(RCC_CR & (1u << 17))) {                  /* HSERDY */
    }
    RCC_PLLCFGR = (9u << 24) | (1u << 22) | (0u << 16) | (432u << 6) | 25u; /* Q=9, HSE, P=2, N, M */
    RCC_CR |= 1u << 24;                               /* PLLON */
    while (!(RCC_CR & (1u << 25))) {                  /* PLLRDY */
    }

    PWR_CR1 |= 1u << 16;                              /* ODEN: over-drive for 216 MHz */
    while (!(PWR_CSR1 & (1u << 16))) {                /* ODRDY */
    }
    PWR_CR1 |= 1u << 17;                              /* ODSWEN */
    while (!(PWR_CSR1 & (1u << 17))) {                /* ODSWRDY */
    }

    FLASH_ACR = (1u << 9) | (1u << 8) | 7u;           /* ARTEN, PRFTEN, LATENCY = 7 wait states */
    while ((FLASH_ACR & 0xFu) != 7u) {
    }
    RCC_CFGR = (4u << 13) | (5u << 10) | 2u;          /* PPRE2 /2, PPRE1 /4, HPRE /1, SW = PLL */
    while ((RCC_CFGR & (3u << 2)) != (2u << 2)) {     /* SWS = PLL */
    }
}
