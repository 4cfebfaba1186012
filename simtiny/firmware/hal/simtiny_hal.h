/* The hardware services simtiny firmware uses, one implementation per platform
 * (firmware/hal/<platform>/). Kept tiny: console, cycle counter, clocks, exit. */
#ifndef SIMTINY_HAL_H
#define SIMTINY_HAL_H

#include <stddef.h>
#include <stdint.h>

/* The stack is painted with this word at reset (firmware contract, simtiny/contract.py). */
#define SIMTINY_STACK_PAINT_WORD 0xA5A5A5A5u
/* Exit status when an exception reaches a handler the firmware did not define. */
#define SIMTINY_EXIT_UNHANDLED_EXCEPTION 0xE0

/* Core clock to its maximum (480 MHz on the STM32H743) the way production firmware does. */
void simtiny_clock_init(void);

/* Level 1 instruction and data caches: invalidate and enable. */
void simtiny_caches_enable(void);

/* Console: the board's virtual COM port UART. */
void simtiny_console_init(void);
void simtiny_console_write(const char *text, size_t length);
void simtiny_console_puts(const char *text);

/* Cycle counter (DWT CYCCNT). */
void simtiny_cycles_init(void);
uint32_t simtiny_cycles(void);

/* Arm semihosting: text to the debugger console, and the end of the run with a status. */
void simtiny_semihost_puts(const char *text);
__attribute__((noreturn)) void simtiny_exit(int status);

#endif
