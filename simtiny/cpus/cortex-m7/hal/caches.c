/* Cortex-M7 L1 caches on, the way production firmware starts: invalidate, then enable
 * (ARM DDI 0489 TRM 4.1.6 / CMSIS SCB_EnableICache, SCB_EnableDCache). */
#include "simtiny_hal.h"

#define SCB_CCR (*(volatile uint32_t *)0xE000ED14u)
#define SCB_CCSIDR (*(volatile uint32_t *)0xE000ED80u)
#define SCB_CSSELR (*(volatile uint32_t *)0xE000ED84u)
#define SCB_ICIALLU (*(volatile uint32_t *)0xE000EF50u)
#define SCB_DCISW (*(volatile uint32_t *)0xE000EF60u)
#define CCR_DC (1u << 16)
#define CCR_IC (1u << 17)

static inline void barriers(void) {
    __asm__ volatile("dsb\n isb" ::: "memory");
}

void simtiny_caches_enable(void) {
    barriers();
    SCB_ICIALLU = 0u;
    barriers();
    SCB_CCR |= CCR_IC;
    barriers();

    SCB_CSSELR = 0u; /* level 1 data cache */
    barriers();
    const uint32_t ccsidr = SCB_CCSIDR;
    const uint32_t sets = ((ccsidr >> 13) & 0x7FFFu) + 1u;
    const uint32_t ways = ((ccsidr >> 3) & 0x3FFu) + 1u;
    for (uint32_t set = 0; set < sets; set++) {
        for (uint32_t way = 0; way < ways; way++) {
            SCB_DCISW = (set << 5) | (way << 30);
        }
    }
    barriers();
    SCB_CCR |= CCR_DC;
    barriers();
}
