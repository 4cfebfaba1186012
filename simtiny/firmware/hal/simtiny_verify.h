/* simtiny_verify.h -- the verify contract: how any firmware (TF-Lite Micro + CMSIS-NN, X-Cube-AI,
 * TinyEngine, a hand-written main) lets `simtiny verify FIRMWARE.elf MODEL.tflite` check its
 * outputs bit for bit against LiteRT and measure its inference.
 *
 * THE CONTRACT (one inference per run):
 *   1. The firmware reads model input k from the file "input<k>.bin": the tensor's raw bytes, in
 *      C (row-major) order, little-endian, exactly the tensor's size (k = 0, 1, ... in the
 *      model's input order).
 *   2. It calls st_verify_begin() just before the inference and st_verify_end() just after.
 *      They read the DWT cycle counter; st_verify_end() writes "cycles.bin" (two little-endian
 *      uint32: the counter at begin and at end). The file is written after the second read, so
 *      the semihosting call costs the measurement nothing.
 *   3. It writes model output k to "output<k>.bin", raw bytes as above, exactly the size.
 *   4. It exits with status 0 (main's return under newlib's rdimon or picolibc, or
 *      st_verify_exit(0)); any other status, a fault, or a missing or wrongly sized output file
 *      is a failed run, never a verdict.
 *
 * Files go through Arm semihosting (bkpt 0xAB: SYS_OPEN, SYS_READ, SYS_WRITE, SYS_CLOSE, SYS_FLEN),
 * so the same firmware runs on simtiny's simulated board and, unchanged, on silicon under a
 * debugger with semihosting enabled (OpenOCD "arm semihosting enable", pyOCD), whose working
 * folder then holds the files. This header is freestanding C99: it needs no C library, and works
 * next to newlib or picolibc (it makes its own semihosting calls). Without a debugger attached a
 * semihosting call stops the core, so keep these calls out of production builds.
 *
 * Cycle counter: the DWT CYCCNT, switched on by st_verify_begin() if the firmware has not done so
 * (never reset). To use another counter define ST_VERIFY_CYCLES() (an expression giving a
 * uint32_t in core cycles) before including this header. begin and end keep their state in this
 * header's static variables: call both from the same source file.
 *
 * Every function returns ST_VERIFY_OK (0) or a negative ST_VERIFY_E* code. A minimal main:
 *
 *     #include "simtiny_verify.h"
 *     int main(void) {
 *         if (st_verify_read_input(0, input_buffer, INPUT_SIZE) != ST_VERIFY_OK) return 10;
 *         st_verify_begin();
 *         run_the_model();
 *         st_verify_end();
 *         if (st_verify_write_output(0, output_buffer, OUTPUT_SIZE) != ST_VERIFY_OK) return 11;
 *         return 0;
 *     }
 */
#ifndef SIMTINY_VERIFY_H
#define SIMTINY_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#define ST_VERIFY_OK 0
#define ST_VERIFY_ENOFILE (-1) /* the file could not be opened (no such input, or not writable) */
#define ST_VERIFY_ESIZE (-2)   /* the input file's size differs from the buffer's */
#define ST_VERIFY_EIO (-3)     /* a read or write moved fewer bytes than asked */

#define ST_VERIFY_SYS_OPEN 0x01
#define ST_VERIFY_SYS_CLOSE 0x02
#define ST_VERIFY_SYS_WRITE 0x05
#define ST_VERIFY_SYS_READ 0x06
#define ST_VERIFY_SYS_FLEN 0x0C
#define ST_VERIFY_SYS_EXIT_EXTENDED 0x20
#define ST_VERIFY_MODE_RB 1 /* fopen mode "rb" */
#define ST_VERIFY_MODE_WB 5 /* fopen mode "wb" */

#ifndef ST_VERIFY_CYCLES
#define ST_VERIFY_DEMCR (*(volatile uint32_t *)0xE000EDFCu)
#define ST_VERIFY_DWT_CTRL (*(volatile uint32_t *)0xE0001000u)
#define ST_VERIFY_DWT_CYCCNT (*(volatile uint32_t *)0xE0001004u)
#define ST_VERIFY_DWT_LAR (*(volatile uint32_t *)0xE0001FB0u)
#define ST_VERIFY_CYCLES() (ST_VERIFY_DWT_CYCCNT)
#define ST_VERIFY_DWT_START 1
#endif

/* One semihosting call: operation in r0, argument block in r1, result in r0. */
static inline int32_t st_verify_semihost(uint32_t op, const void *arg) {
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

/* "input<k>.bin" or "output<k>.bin" into name (at least 20 bytes); its length. */
static inline uint32_t st_verify_name(char *name, const char *stem, unsigned k) {
    uint32_t n = 0;
    char digits[10];
    unsigned d = 0;
    while (*stem) name[n++] = *stem++;
    do {
        digits[d++] = (char)('0' + k % 10u);
        k /= 10u;
    } while (k && d < sizeof digits);
    while (d) name[n++] = digits[--d];
    name[n++] = '.';
    name[n++] = 'b';
    name[n++] = 'i';
    name[n++] = 'n';
    name[n] = '\0';
    return n;
}

static inline int32_t st_verify_open(const char *name, uint32_t length, uint32_t mode) {
    const uint32_t block[3] = {(uint32_t)(uintptr_t)name, mode, length};
    return st_verify_semihost(ST_VERIFY_SYS_OPEN, block);
}

static inline void st_verify_close(int32_t handle) {
    const uint32_t block[1] = {(uint32_t)handle};
    (void)st_verify_semihost(ST_VERIFY_SYS_CLOSE, block);
}

/* Write `size` bytes to the named file (created or truncated). */
static inline int st_verify_write_file(const char *name, uint32_t length, const void *buf, size_t size) {
    const int32_t handle = st_verify_open(name, length, ST_VERIFY_MODE_WB);
    if (handle < 0) return ST_VERIFY_ENOFILE;
    const uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buf, (uint32_t)size};
    const int32_t left = st_verify_semihost(ST_VERIFY_SYS_WRITE, block); /* bytes NOT written */
    st_verify_close(handle);
    return left == 0 ? ST_VERIFY_OK : ST_VERIFY_EIO;
}

/* Fill buf with the whole of "input<k>.bin", which must hold exactly `size` bytes. */
static inline int st_verify_read_input(unsigned k, void *buf, size_t size) {
    char name[24];
    const uint32_t length = st_verify_name(name, "input", k);
    const int32_t handle = st_verify_open(name, length, ST_VERIFY_MODE_RB);
    if (handle < 0) return ST_VERIFY_ENOFILE;
    const uint32_t flen_block[1] = {(uint32_t)handle};
    if (st_verify_semihost(ST_VERIFY_SYS_FLEN, flen_block) != (int32_t)size) {
        st_verify_close(handle);
        return ST_VERIFY_ESIZE;
    }
    const uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buf, (uint32_t)size};
    const int32_t left = st_verify_semihost(ST_VERIFY_SYS_READ, block); /* bytes NOT read */
    st_verify_close(handle);
    return left == 0 ? ST_VERIFY_OK : ST_VERIFY_EIO;
}

/* Write the `size` bytes of model output k to "output<k>.bin". */
static inline int st_verify_write_output(unsigned k, const void *buf, size_t size) {
    char name[24];
    const uint32_t length = st_verify_name(name, "output", k);
    return st_verify_write_file(name, length, buf, size);
}

__attribute__((unused)) static uint32_t st_verify_marks[2]; /* the cycle counter at begin and at end */

/* Just before the inference: the cycle counter on (if it was off), and its value kept. */
static inline void st_verify_begin(void) {
#ifdef ST_VERIFY_DWT_START
    if (!(ST_VERIFY_DWT_CTRL & 1u)) {
        ST_VERIFY_DEMCR |= 1u << 24;       /* TRCENA */
        ST_VERIFY_DWT_LAR = 0xC5ACCE55u;   /* unlock (Cortex-M7) */
        ST_VERIFY_DWT_CTRL |= 1u;          /* CYCCNTENA */
    }
#endif
    __asm__ volatile("" ::: "memory");
    st_verify_marks[0] = ST_VERIFY_CYCLES();
    __asm__ volatile("" ::: "memory");
}

/* Just after the inference: the counter read, then both values written to "cycles.bin". */
static inline int st_verify_end(void) {
    __asm__ volatile("" ::: "memory");
    st_verify_marks[1] = ST_VERIFY_CYCLES();
    __asm__ volatile("" ::: "memory");
    return st_verify_write_file("cycles.bin", 10, st_verify_marks, sizeof st_verify_marks);
}

/* End the run with `status` (SYS_EXIT_EXTENDED, ADP_Stopped_ApplicationExit), for firmware
 * without a semihosting C library. */
__attribute__((noreturn)) static inline void st_verify_exit(int status) {
    const uint32_t block[2] = {0x20026u, (uint32_t)status};
    (void)st_verify_semihost(ST_VERIFY_SYS_EXIT_EXTENDED, block);
    for (;;) {
    }
}

#endif
