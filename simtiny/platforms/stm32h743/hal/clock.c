/* System clock to 480 MHz from the 8 MHz HSE bypass of the NUCLEO-H743ZI: LDO supply, voltage
 * scale 0 (VOS1 + overdrive), PLL1 (M=4, N=480, P=2), bus prescalers, 4 flash wait states,
 * switch. The sequence of RM0433 sections 6.8 and 8.5, register by register. */
#include "simtiny_hal.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define PWR_CR3 REG(0x5802480Cu)
#define PWR_CSR1 REG(0x58024804u)
#define PWR_D3CR REG(0x58024818u)
#define SYSCFG_PWRCR REG(0x5800042Cu)
#define RCC_CR REG(0x58024400u)
#define RCC_CFGR REG(0x58024410u)
#define RCC_D1CFGR REG(0x58024418u)
#define RCC_D2CFGR REG(0x5802441Cu)
#define RCC_D3CFGR REG(0x58024420u)
#define RCC_PLLCKSELR REG(0x58024428u)
#define RCC_PLLCFGR REG(0x5802442Cu)
#define RCC_PLL1DIVR REG(0x58024430u)
#define RCC_APB4ENR REG(0x580244F4u)
#define FLASH_ACR REG(0x52002000u)

void simtiny_clock_init(void) {
    PWR_CR3 = (PWR_CR3 & ~0x7u) | 0x2u; /* LDOEN, no bypass, SMPS off */
    while (!(PWR_CSR1 & (1u << 13))) {  /* ACTVOSRDY */
    }
    PWR_D3CR = (PWR_D3CR & ~(3u << 14)) | (3u << 14); /* VOS1 */
    while (!(PWR_D3CR & (1u << 13))) {                  /* VOSRDY */
    }
    RCC_APB4ENR |= 1u << 1; /* SYSCFGEN */
    SYSCFG_PWRCR |= 1u;     /* ODEN: VOS0 */
    while (!(PWR_D3CR & (1u << 13))) {
    }

    RCC_CR |= (1u << 16) | (1u << 18); /* HSEON, HSEBYP */
    while (!(RCC_CR & (1u << 17))) {   /* HSERDY */
    }

    RCC_PLLCKSELR = (4u << 4) | 2u;                /* DIVM1 = 4, source HSE: 2 MHz reference */
    RCC_PLLCFGR = (1u << 16) | (1u << 2);          /* DIVP1EN, PLL1RGE = 2-4 MHz, wide VCO */
    RCC_PLL1DIVR = (479u << 0) | (1u << 9) | (3u << 16) | (1u << 24); /* N=480 P=2 Q=4 R=2 */
    RCC_CR |= 1u << 24;                            /* PLL1ON */
    while (!(RCC_CR & (1u << 25))) {               /* PLL1RDY */
    }

    FLASH_ACR = (2u << 4) | 4u; /* WRHIGHFREQ = 2, LATENCY = 4 wait states */
    while ((FLASH_ACR & 0xFu) != 4u) {
    }
    RCC_D1CFGR = (8u << 0) | (4u << 4); /* HPRE /2 (AXI 240 MHz), D1PPRE /2 */
    RCC_D2CFGR = (4u << 4) | (4u << 8); /* D2PPRE1 /2, D2PPRE2 /2 */
    RCC_D3CFGR = 4u << 4;               /* D3PPRE /2 */

    RCC_CFGR = (RCC_CFGR & ~7u) | 3u;    /* SW = PLL1 */
    while (((RCC_CFGR >> 3) & 7u) != 3u) { /* SWS */
    }
}
