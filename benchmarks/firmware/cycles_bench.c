/* Cortex-M7 cycle-model calibration: micro-benchmark loops whose cycle counts are known from
 * measurements on real Cortex-M7 silicon (see simtiny/calibration.py for the published figure,
 * the source and the derivation of every row, in the same order as the table below).
 *
 * Each benchmark is one loop written in inline assembly with explicit registers:
 *
 *     1:  <body: an unrolled straight run of instructions>
 *         subs.w r12, r12, #1        (loop control; LDM/STM loops use a 16-bit pair on r6)
 *         bne.w  1b
 *
 * and is run twice, for K_LO and for K_HI iterations, with DWT CYCCNT (simtiny_cycles()) read
 * before and after each run. bench_cycles[i] = cycles(K_HI) - cycles(K_LO): set-up, calls,
 * the cold first iteration and the mispredicted loop exit cancel, so it is exactly
 * (K_HI - K_LO) = 100 steady-state iterations, loop control included. This is the method of
 * quinapalus.com/cm7cycles (4 and 14 copies, difference divided by 10) applied to loops.
 *
 * The loop entry is aligned to 8 bytes as in jnk0le's template (the alignment padding runs once
 * per call, outside the loop, and cancels). Register use: r8 = an 8-byte aligned buffer on the
 * (DTCM) stack, r12 = iteration count, r0-r6, r10, r11, lr scratch; r7 (clang's frame pointer)
 * and r9 are never touched. Data values do not matter except
 * for the divisions (fixed operands, early termination) and the floating point (normal
 * numbers, no overflow). */
#include "simtiny_hal.h"

#define K_LO 11u
#define K_HI 111u /* K_HI - K_LO = 100 iterations measured per benchmark */

enum {
    B_NOP_TEMPLATE,
    B_NOP_TEMPLATE_39,
    B_EMPTY_LOOP,
    B_ALU_INDEPENDENT,
    B_ALU_DEPENDENT,
    B_MUL_THROUGHPUT,
    B_MUL_LATENCY,
    B_SMLAD_ACC_CHAIN,
    B_SMLAD_LATENCY,
    B_SXTB16_THROUGHPUT,
    B_SXTB16_SMLAD,
    B_LDR_DIFF_BANK,
    B_LDR_SAME_BANK,
    B_LDR_LOAD_USE,
    B_LDRB_LOAD_USE,
    B_LDR_UXTAB_USE,
    B_LDR_UNALIGNED,
    B_LDM2,
    B_LDM3,
    B_LDM4,
    B_LDM8,
    B_STM4,
    B_BRANCH_NOT_TAKEN,
    B_BRANCH_TAKEN,
    B_BRANCH_MISPREDICT,
    B_BRANCH_MISPREDICT_LATE,
    B_UDIV,
    B_SDIV,
    B_VADD_THROUGHPUT,
    B_VADD_LATENCY,
    B_VMUL_LATENCY,
    B_VFMA_CHAIN,
    B_VDIV,
    B_VSQRT,
    NB
};

volatile uint32_t bench_cycles[NB]; /* cycles of 100 steady-state iterations, per benchmark */
volatile uint32_t bench_count;      /* benchmarks completed (NB at a normal exit) */

/* ---- text helpers: repetition and the standard loop tail ------------------------------- */
#define R2(x) x x
#define R4(x) R2(x) R2(x)
#define R8(x) R4(x) R4(x)
#define R16(x) R8(x) R8(x)
#define R32(x) R16(x) R16(x)

#define TAIL_W "subs.w r12, r12, #1\n\tbne.w 1b\n\t"
/* LDM/STM need 16-bit instructions in the stream (jnk0le, load/store multiple): counter r6. */
#define SETUP_N "mov r6, r12\n\t"
#define TAIL_N "subs.n r6, r6, #1\n\tbne.n 1b\n\t"

#define INT_CLOBBERS "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r10", "r11", "lr", "cc", "memory"
#define FP_CLOBBERS "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10"

typedef void (*bench_fn)(uint32_t iterations, uint32_t *buf);

/* One benchmark: `setup` once, then the loop `1: body tail`. */
#define BENCH(name, setup, body, tail)                                                        \
    static __attribute__((noinline)) void name(uint32_t iterations, uint32_t *buf) {          \
        register uint32_t count __asm__("r12") = iterations;                                  \
        register uint32_t *base __asm__("r8") = buf;                                          \
        __asm__ volatile(".syntax unified\n\t" setup ".balign 8\n\t1:\n\t" body tail        \
                         : "+r"(count)                                                        \
                         : "r"(base)                                                          \
                         : INT_CLOBBERS);                                                     \
    }

#define BENCH_FP(name, setup, body, tail)                                                     \
    static __attribute__((noinline)) void name(uint32_t iterations, uint32_t *buf) {          \
        register uint32_t count __asm__("r12") = iterations;                                  \
        register uint32_t *base __asm__("r8") = buf;                                          \
        __asm__ volatile(".syntax unified\n\t" setup ".balign 8\n\t1:\n\t" body tail        \
                         : "+r"(count)                                                        \
                         : "r"(base)                                                          \
                         : INT_CLOBBERS, FP_CLOBBERS);                                        \
    }

/* ---- the jnk0le/random CM7_pipetest_tmpl.S loop, as measured (40 instructions) ---------- */
#define NOPW "nop.w\n\t"
BENCH(nop_template, "",
      R16(NOPW) R8(NOPW) R4(NOPW)                    /* 28 nop.w */
      "subs.w r12, r12, #1\n\t" NOPW R8(NOPW) NOPW   /* subs placed early, as in the template */
      "bne.w 1b\n\t",
      "")

/* The same with one nop.w fewer before the branch: the bne.w is alone in its cycle, and with
 * no 16-bit instruction before it, it cannot pair with the loop's first instruction. */
BENCH(nop_template_39, "",
      R16(NOPW) R8(NOPW) R4(NOPW)                    /* 28 nop.w */
      "subs.w r12, r12, #1\n\t" R8(NOPW) NOPW         /* one nop.w fewer */
      "bne.w 1b\n\t",
      "")

BENCH(empty_loop, "", "", TAIL_W)

/* ---- integer ALU ------------------------------------------------------------------------ */
#define ADD8                                                                                  \
    "add.w r0, r0, #1\n\tadd.w r1, r1, #1\n\tadd.w r2, r2, #1\n\tadd.w r3, r3, #1\n\t"        \
    "add.w r4, r4, #1\n\tadd.w r5, r5, #1\n\tadd.w r6, r6, #1\n\tadd.w r10, r10, #1\n\t"
BENCH(alu_independent, "", R8(ADD8), TAIL_W)

/* EOR is not among the ops the early ALU forwards in 0 cycles (ADD/SUB/MOV are), so a
 * dependent EOR chain cannot pair with itself. */
BENCH(alu_dependent, "mov.w r10, #1\n\t", R32(R2("eor.w r0, r0, r10\n\t")), TAIL_W)

/* ---- multiplier / MAC ------------------------------------------------------------------- */
#define MUL8                                                                                  \
    "mul r0, r10, r11\n\tmul r1, r10, r11\n\tmul r2, r10, r11\n\tmul r3, r10, r11\n\t"        \
    "mul r4, r10, r11\n\tmul r5, r10, r11\n\tmul r6, r10, r11\n\tmul lr, r10, r11\n\t"
BENCH(mul_throughput, "mov.w r10, #3\n\tmov.w r11, #5\n\t", R4(MUL8), TAIL_W)
BENCH(mul_latency, "mov.w r0, #1\n\tmov.w r10, #3\n\t", R32("mul r0, r0, r10\n\t"), TAIL_W)
BENCH(smlad_acc_chain, "mov.w r10, #3\n\tmov.w r11, #5\n\t", R32("smlad r0, r10, r11, r0\n\t"), TAIL_W)
BENCH(smlad_latency, "mov.w r0, #1\n\tmov.w r10, #3\n\tmov.w r11, #5\n\t",
      R32("smlad r0, r0, r10, r11\n\t"), TAIL_W)

/* ---- DSP -------------------------------------------------------------------------------- */
#define SXT8                                                                                  \
    "sxtb16 r0, r10\n\tsxtb16 r1, r10\n\tsxtb16 r2, r10\n\tsxtb16 r3, r10\n\t"                \
    "sxtb16 r4, r10\n\tsxtb16 r5, r10\n\tsxtb16 r6, r10\n\tsxtb16 lr, r10\n\t"
BENCH(sxtb16_throughput, "movw r10, #0x0304\n\tmovt r10, #0x0102\n\t", R4(SXT8), TAIL_W)
/* DSP op first (older slot), independent SMLAD second: the int8 kernel's pair. */
#define SXT_SMLAD "sxtb16 r1, r10\n\tsmlad r0, r2, r3, r0\n\t"
BENCH(sxtb16_smlad, "movw r10, #0x0304\n\tmovt r10, #0x0102\n\tmov.w r2, #3\n\tmov.w r3, #5\n\t",
      R32(SXT_SMLAD), TAIL_W)

/* ---- loads ------------------------------------------------------------------------------ */
#define LDW(rd, off) "ldr.w " #rd ", [r8, #" #off "]\n\t"
/* Consecutive words: each pair is one even and one odd word (different DTCM/cache banks). */
BENCH(ldr_diff_bank, "",
      LDW(r0, 0) LDW(r1, 4) LDW(r2, 8) LDW(r3, 12) LDW(r4, 16) LDW(r5, 20) LDW(r6, 24) LDW(r10, 28)
      LDW(r0, 32) LDW(r1, 36) LDW(r2, 40) LDW(r3, 44) LDW(r4, 48) LDW(r5, 52) LDW(r6, 56) LDW(r10, 60)
      LDW(r0, 64) LDW(r1, 68) LDW(r2, 72) LDW(r3, 76) LDW(r4, 80) LDW(r5, 84) LDW(r6, 88) LDW(r10, 92)
      LDW(r0, 96) LDW(r1, 100) LDW(r2, 104) LDW(r3, 108) LDW(r4, 112) LDW(r5, 116) LDW(r6, 120)
      LDW(r10, 124),
      TAIL_W)
/* Every load an even word: all in the same bank, so no two can pair. */
BENCH(ldr_same_bank, "",
      LDW(r0, 0) LDW(r1, 8) LDW(r2, 16) LDW(r3, 24) LDW(r4, 32) LDW(r5, 40) LDW(r6, 48) LDW(r10, 56)
      LDW(r0, 64) LDW(r1, 72) LDW(r2, 80) LDW(r3, 88) LDW(r4, 96) LDW(r5, 104) LDW(r6, 112) LDW(r10, 120)
      LDW(r0, 128) LDW(r1, 136) LDW(r2, 144) LDW(r3, 152) LDW(r4, 160) LDW(r5, 168) LDW(r6, 176)
      LDW(r10, 184) LDW(r0, 192) LDW(r1, 200) LDW(r2, 208) LDW(r3, 216) LDW(r4, 224) LDW(r5, 232)
      LDW(r6, 240) LDW(r10, 248),
      TAIL_W)
/* Load, then an add that uses the loaded value right away (accumulating into r11). */
#define LDU(op, rd, off) op " " #rd ", [r8, #" #off "]\n\tadd.w r11, r11, " #rd "\n\t"
#define LDU8(op, a, b, c, d, e, f, g, h)                                                     \
    LDU(op, r0, a) LDU(op, r1, b) LDU(op, r0, c) LDU(op, r1, d)                               \
    LDU(op, r0, e) LDU(op, r1, f) LDU(op, r0, g) LDU(op, r1, h)
#define LDU32(op)                                                                             \
    LDU8(op, 0, 4, 8, 12, 16, 20, 24, 28) LDU8(op, 32, 36, 40, 44, 48, 52, 56, 60)             \
    LDU8(op, 64, 68, 72, 76, 80, 84, 88, 92) LDU8(op, 96, 100, 104, 108, 112, 116, 120, 124)
BENCH(ldr_load_use, "", LDU32("ldr.w"), TAIL_W)
BENCH(ldrb_load_use, "", LDU32("ldrb.w"), TAIL_W)
/* Load, then a UXTAB that extracts the loaded value right away (early ALU operand). */
#define LDX(rd, off) "ldr.w " #rd ", [r8, #" #off "]\n\tuxtab r11, r11, " #rd "\n\t"
#define LDX8(a, b, c, d, e, f, g, h)                                                         \
    LDX(r0, a) LDX(r1, b) LDX(r0, c) LDX(r1, d) LDX(r0, e) LDX(r1, f) LDX(r0, g) LDX(r1, h)
BENCH(ldr_uxtab_use, "",
      LDX8(0, 4, 8, 12, 16, 20, 24, 28) LDX8(32, 36, 40, 44, 48, 52, 56, 60)
      LDX8(64, 68, 72, 76, 80, 84, 88, 92) LDX8(96, 100, 104, 108, 112, 116, 120, 124),
      TAIL_W)

/* An unaligned word load (one byte past a word), then an independent add in the younger slot:
 * the core splits the load (CCR.UNALIGN_TRP is clear, so it does not fault). */
#define LDUA(rd, off) "ldr.w " #rd ", [r8, #" #off "]\n\tadd.w r11, r11, #1\n\t"
#define LDUA8(a, b, c, d, e, f, g, h)                                                        \
    LDUA(r0, a) LDUA(r1, b) LDUA(r0, c) LDUA(r1, d) LDUA(r0, e) LDUA(r1, f) LDUA(r0, g) LDUA(r1, h)
BENCH(ldr_unaligned, "",
      LDUA8(1, 5, 9, 13, 17, 21, 25, 29) LDUA8(33, 37, 41, 45, 49, 53, 57, 61)
      LDUA8(65, 69, 73, 77, 81, 85, 89, 93) LDUA8(97, 101, 105, 109, 113, 117, 121, 125),
      TAIL_W)

/* ---- load/store multiple (single issue, ceil(n/2) cycles) --------------------------------- */
BENCH(ldm2, SETUP_N, R32("ldmia.w r8, {r0, r1}\n\t"), TAIL_N)
BENCH(ldm3, SETUP_N, R16("ldmia.w r8, {r0, r1, r2}\n\t"), TAIL_N)
BENCH(ldm4, SETUP_N, R16("ldmia.w r8, {r0, r1, r2, r3}\n\t"), TAIL_N)
BENCH(ldm8, SETUP_N, R8("ldmia.w r8, {r0, r1, r2, r3, r4, r5, r10, r11}\n\t"), TAIL_N)
BENCH(stm4, SETUP_N, R16("stmia.w r8, {r0, r1, r2, r3}\n\t"), TAIL_N)

/* ---- branches ----------------------------------------------------------------------------- */
/* BEQ never taken: Z is clear (set by the cmp, then by subs r12 with a non-zero result). */
#define BNT8                                                                                  \
    "beq.w 9f\n\tadd.w r0, r0, #1\n\tbeq.w 9f\n\tadd.w r1, r1, #1\n\t"                        \
    "beq.w 9f\n\tadd.w r2, r2, #1\n\tbeq.w 9f\n\tadd.w r3, r3, #1\n\t"
BENCH(branch_not_taken, "cmp.w r12, #0\n\t", R8(BNT8), TAIL_W "9:\n\t")
/* Two 16-bit ALU ops, then a taken B to the next instruction (pairs with its target). */
#define BT "add.n r0, r10\n\tadd.n r1, r10\n\tb.n 2f\n\t2:\n\tadd.n r2, r10\n\t"
BENCH(branch_taken, "mov.w r10, #1\n\t", R16(BT), TAIL_W)
/* An inner loop of 4 iterations whose exit is mispredicted once per outer iteration; the
 * inner SUBS sets the flags 13 instructions before its BNE (6-cycle penalty case). */
BENCH(branch_mispredict, "",
      "movs.w r11, #4\n\t"
      "2:\n\tsubs.w r11, r11, #1\n\t" R8(NOPW) R4(NOPW) "bne.w 2b\n\t",
      TAIL_W)

/* The same, with the inner SUBS two instructions (one cycle) before its BNE (8-cycle case). */
BENCH(branch_mispredict_late, "",
      "movs.w r11, #4\n\t"
      "2:\n\t" R8(NOPW) R2(NOPW) NOPW "subs.w r11, r11, #1\n\t" NOPW "bne.w 2b\n\t",
      TAIL_W)

/* ---- division (operand-dependent: 1000000 / 7) ------------------------------------------ */
#define DIVSETUP "movw r10, #0x4240\n\tmovt r10, #0xF\n\tmov.w r11, #7\n\t"
#define DIV8(op)                                                                              \
    op " r0, r10, r11\n\t" op " r1, r10, r11\n\t" op " r2, r10, r11\n\t" op " r3, r10, r11\n\t" \
    op " r4, r10, r11\n\t" op " r5, r10, r11\n\t" op " r6, r10, r11\n\t" op " lr, r10, r11\n\t"
BENCH(udiv_throughput, DIVSETUP, DIV8("udiv"), TAIL_W)
BENCH(sdiv_throughput, DIVSETUP, DIV8("sdiv"), TAIL_W)

/* ---- single-precision VFP ------------------------------------------------------------------ */
#define FPSETUP                                                                               \
    "vmov.f32 s0, #1.0\n\tvmov.f32 s1, #1.0\n\tvmov.f32 s2, #1.0\n\tvmov.f32 s3, #1.0\n\t"    \
    "vmov.f32 s4, #1.0\n\tvmov.f32 s5, #1.0\n\tvmov.f32 s6, #1.0\n\tvmov.f32 s7, #1.0\n\t"    \
    "vmov.f32 s8, #1.0\n\tvmov.f32 s9, #1.0\n\tvmov.f32 s10, #3.0\n\t"
#define VADD8                                                                                 \
    "vadd.f32 s0, s8, s9\n\tvadd.f32 s1, s8, s9\n\tvadd.f32 s2, s8, s9\n\tvadd.f32 s3, s8, s9\n\t" \
    "vadd.f32 s4, s8, s9\n\tvadd.f32 s5, s8, s9\n\tvadd.f32 s6, s8, s9\n\tvadd.f32 s7, s8, s9\n\t"
BENCH_FP(vadd_throughput, FPSETUP, R4(VADD8), TAIL_W)
BENCH_FP(vadd_latency, FPSETUP, R32("vadd.f32 s0, s0, s9\n\t"), TAIL_W)
BENCH_FP(vmul_latency, FPSETUP, R32("vmul.f32 s0, s0, s9\n\t"), TAIL_W)
BENCH_FP(vfma_chain, FPSETUP, R32("vfma.f32 s0, s8, s9\n\t"), TAIL_W)
BENCH_FP(vdiv_throughput, FPSETUP,
         "vdiv.f32 s0, s8, s10\n\tvdiv.f32 s1, s8, s10\n\tvdiv.f32 s2, s8, s10\n\t"
         "vdiv.f32 s3, s8, s10\n\tvdiv.f32 s4, s8, s10\n\tvdiv.f32 s5, s8, s10\n\t"
         "vdiv.f32 s6, s8, s10\n\tvdiv.f32 s7, s8, s10\n\t",
         TAIL_W)
BENCH_FP(vsqrt_throughput, FPSETUP,
         "vsqrt.f32 s0, s10\n\tvsqrt.f32 s1, s10\n\tvsqrt.f32 s2, s10\n\tvsqrt.f32 s3, s10\n\t"
         "vsqrt.f32 s4, s10\n\tvsqrt.f32 s5, s10\n\tvsqrt.f32 s6, s10\n\tvsqrt.f32 s7, s10\n\t",
         TAIL_W)

static const bench_fn benches[NB] = {
    [B_NOP_TEMPLATE] = nop_template,
    [B_NOP_TEMPLATE_39] = nop_template_39,
    [B_EMPTY_LOOP] = empty_loop,
    [B_ALU_INDEPENDENT] = alu_independent,
    [B_ALU_DEPENDENT] = alu_dependent,
    [B_MUL_THROUGHPUT] = mul_throughput,
    [B_MUL_LATENCY] = mul_latency,
    [B_SMLAD_ACC_CHAIN] = smlad_acc_chain,
    [B_SMLAD_LATENCY] = smlad_latency,
    [B_SXTB16_THROUGHPUT] = sxtb16_throughput,
    [B_SXTB16_SMLAD] = sxtb16_smlad,
    [B_LDR_DIFF_BANK] = ldr_diff_bank,
    [B_LDR_SAME_BANK] = ldr_same_bank,
    [B_LDR_LOAD_USE] = ldr_load_use,
    [B_LDRB_LOAD_USE] = ldrb_load_use,
    [B_LDR_UXTAB_USE] = ldr_uxtab_use,
    [B_LDR_UNALIGNED] = ldr_unaligned,
    [B_LDM2] = ldm2,
    [B_LDM3] = ldm3,
    [B_LDM4] = ldm4,
    [B_LDM8] = ldm8,
    [B_STM4] = stm4,
    [B_BRANCH_NOT_TAKEN] = branch_not_taken,
    [B_BRANCH_TAKEN] = branch_taken,
    [B_BRANCH_MISPREDICT] = branch_mispredict,
    [B_BRANCH_MISPREDICT_LATE] = branch_mispredict_late,
    [B_UDIV] = udiv_throughput,
    [B_SDIV] = sdiv_throughput,
    [B_VADD_THROUGHPUT] = vadd_throughput,
    [B_VADD_LATENCY] = vadd_latency,
    [B_VMUL_LATENCY] = vmul_latency,
    [B_VFMA_CHAIN] = vfma_chain,
    [B_VDIV] = vdiv_throughput,
    [B_VSQRT] = vsqrt_throughput,
};

/* Cycles of (K_HI - K_LO) iterations of `fn`: everything outside the loop cancels. The
 * stamps go through volatile (DTCM stack) memory so that both runs are bracketed alike. */
static __attribute__((noinline)) uint32_t measure(bench_fn fn, uint32_t *buf) {
    volatile uint32_t stamps[3];
    fn(K_LO, buf); /* warm the caches: both timed runs find the loop in the I-cache */
    stamps[0] = simtiny_cycles();
    fn(K_LO, buf);
    stamps[1] = simtiny_cycles();
    fn(K_HI, buf);
    stamps[2] = simtiny_cycles();
    return (stamps[2] - stamps[1]) - (stamps[1] - stamps[0]);
}

int main(void) {
    /* 8-byte aligned so that word i is in bank i % 2 and STM of an even count is aligned. */
    uint32_t buf[64] __attribute__((aligned(8)));
    for (uint32_t i = 0; i < 64; i++) buf[i] = 0x01010101u * (i + 1u);

    simtiny_clock_init();
    simtiny_caches_enable(); /* as jnk0le measured: caches on, the buffer in DTCM */
    simtiny_cycles_init();
    for (uint32_t i = 0; i < NB; i++) {
        bench_cycles[i] = measure(benches[i], buf);
        bench_count = i + 1u;
    }
    return 0;
}
