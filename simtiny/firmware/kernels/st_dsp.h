/* Cortex-M7 DSP-extension helpers shared by the kernels' SIMD paths (compiled only where
 * __ARM_FEATURE_DSP is defined), and st_load4 and st_dup16, which the portable paths use too. */
#ifndef ST_DSP_H
#define ST_DSP_H

#include <stdint.h>

/* Four int8 at any address: the Cortex-M7 does unaligned LDR on normal memory, and the
 * compilers turn this 4-byte copy into one LDR (never LDRD/LDM, which must be aligned). */
static inline uint32_t st_load4(const int8_t *p) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

#if defined(__ARM_FEATURE_DSP)

/* bytes 0 and 2 sign-extended into the low and high halves */
static inline uint32_t st_sxtb16(uint32_t v) {
    uint32_t r;
    __asm__("sxtb16 %0, %1" : "=r"(r) : "r"(v));
    return r;
}

/* bytes 1 and 3 sign-extended into the low and high halves */
static inline uint32_t st_sxtb16_ror8(uint32_t v) {
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
    return r;
}



/* acc + a.lo * b.lo + a.hi * b.hi (signed 16 x 16), modulo 2^32 (the Q flag is not read) */
static inline uint32_t st_smlad(uint32_t a, uint32_t b, uint32_t acc) {
    uint32_t r;
    __asm__("smlad %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}

/* acc + a.lo * b.lo (signed 16 x 16), modulo 2^32 */
static inline uint32_t st_smlabb(uint32_t a, uint32_t b, uint32_t acc) {
    uint32_t r;
    __asm__("smlabb %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}

/* acc + a.hi * b.hi (signed 16 x 16), modulo 2^32 */
static inline uint32_t st_smlatt(uint32_t a, uint32_t b, uint32_t acc) {
    uint32_t r;
    __asm__("smlatt %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
    return r;
}

/* the low halfword of a below the low halfword of b: (a.lo, b.lo) */
static inline uint32_t st_pack_lo(uint32_t a, uint32_t b) {
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

/* the high halfword of a below the high halfword of b: (a.hi, b.hi) */
static inline uint32_t st_pack_hi(uint32_t a, uint32_t b) {
    uint32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(b), "r"(a));
    return r;
}

/* a + bytes 0 and 2 of v sign-extended, halfword by halfword (no saturation) */
static inline uint32_t st_sxtab16(uint32_t a, uint32_t v) {
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2" : "=r"(r) : "r"(a), "r"(v));
    return r;
}

/* a + bytes 1 and 3 of v sign-extended, halfword by halfword (no saturation) */
static inline uint32_t st_sxtab16_ror8(uint32_t a, uint32_t v) {
    uint32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(v));
    return r;
}

#endif

/* v's low 16 bits in both halves (an offset for SXTAB16 to add to both; portable) */
static inline uint32_t st_dup16(int32_t v) {
    return ((uint32_t)v & 0xFFFFu) * 0x00010001u;
}

#endif
