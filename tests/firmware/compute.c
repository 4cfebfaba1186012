/* A compute-heavy int8 workload (matrix-vector products with requantisation) for measuring
 * simulation speed, caches on as in production; prints a checksum so every run is checked.
 * Built with -DCOMPUTE_SYSTICK_HZ=N, a SysTick interrupt at N Hz (480 MHz core clock) counts
 * ticks meanwhile, for the cost of interrupts to the simulation's speed. */
#include "simtiny_hal.h"

#ifdef COMPUTE_SYSTICK_HZ
volatile uint32_t ticks;

void SysTick_Handler(void) {
    ticks++;
}

static void systick_start(void) {
    *(volatile uint32_t *)0xE000E014u = 480000000u / COMPUTE_SYSTICK_HZ - 1u; /* SYST_RVR */
    *(volatile uint32_t *)0xE000E018u = 0;                                    /* SYST_CVR */
    *(volatile uint32_t *)0xE000E010u = 7u; /* SYST_CSR: enable, interrupt, core clock */
}
#endif

#define ROWS 256
#define COLS 512
#define REPEATS 600

static int8_t weights[ROWS][COLS];
static int8_t input[COLS];
static int8_t output[ROWS];

static uint32_t lcg(uint32_t *state) {
    *state = *state * 1664525u + 1013904223u;
    return *state >> 24;
}

int main(void) {
    simtiny_caches_enable();
#ifdef COMPUTE_SYSTICK_HZ
    systick_start();
#endif
    uint32_t seed = 12345u;
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++) weights[r][c] = (int8_t)lcg(&seed);
    for (int c = 0; c < COLS; c++) input[c] = (int8_t)lcg(&seed);

    uint32_t checksum = 0;
    for (int k = 0; k < REPEATS; k++) {
        for (int r = 0; r < ROWS; r++) {
            int32_t acc = k;
            const int8_t *w = weights[r];
            for (int c = 0; c < COLS; c++) acc += (int32_t)w[c] * (int32_t)input[c];
            int32_t q = (acc * 3 + (1 << 9)) >> 10;
            output[r] = (int8_t)(q > 127 ? 127 : q < -128 ? -128 : q);
        }
        input[k % COLS] = output[k % ROWS];
        for (int r = 0; r < ROWS; r++) checksum = checksum * 31u + (uint8_t)output[r];
    }
    static const char hex[] = "0123456789abcdef";
    char text[] = "checksum 00000000\n";
    for (int i = 0; i < 8; i++) text[9 + i] = hex[(checksum >> (28 - 4 * i)) & 0xF];
    simtiny_semihost_puts(text);
#ifdef COMPUTE_SYSTICK_HZ
    return ticks > 0 ? 0 : 1; /* the interrupt must have run */
#else
    return 0;
#endif
}
