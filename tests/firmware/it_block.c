/* Conditional loads and stores in Thumb-2 IT blocks (issue 13). gofo is the code gcc 12.2 -Os
 * emits for flatbuffers' Table::GetOptionalFieldOffset in TF-Lite Micro; the other functions
 * put a load or a store in an IT block, return, and count the instruction after the call,
 * which a stale IT state would skip. Exits with 0 when every result is right, else with a bit
 * per wrong one; `it_results` holds the values for the host. */
#include "simtiny_hal.h"

#define NAKED __attribute__((naked, noinline))
#define UNUSED __attribute__((unused))

/* The field's offset from the table's vtable, or 0 when the field is past the vtable's end. */
NAKED unsigned gofo(const void *table UNUSED, unsigned field UNUSED) {
    __asm__ volatile(
        "ldr r3, [r0]\n"
        "subs r0, r0, r3\n"
        "ldrh r3, [r0]\n"
        "cmp r3, r1\n"
        "ite hi\n"
        "ldrhhi r0, [r0, r1]\n"
        "movls r0, #0\n"
        "bx lr\n");
}

/* if (a > b) *p = v else v = 0; then returns to the caller's counting add. */
NAKED void store_hi(uint32_t *p UNUSED, uint32_t a UNUSED, uint32_t b UNUSED, uint32_t v UNUSED) {
    __asm__ volatile(
        "cmp r1, r2\n"
        "ite hi\n"
        "strhi r3, [r0]\n"
        "movls r3, #0\n"
        "bx lr\n");
}

/* if (a > b) the word at p, else 0. */
NAKED uint32_t load_hi(const uint32_t *p UNUSED, uint32_t a UNUSED, uint32_t b UNUSED) {
    __asm__ volatile(
        "cmp r1, r2\n"
        "ite hi\n"
        "ldrhi r0, [r0]\n"
        "movls r0, #0\n"
        "bx lr\n");
}

/* load_hi with the IT block split by a 4 KB page boundary: QEMU ends a translated block
 * there, so the conditional load starts the next block, inside the IT block. */
NAKED uint32_t load_hi_across_pages(const uint32_t *p UNUSED, uint32_t a UNUSED, uint32_t b UNUSED) {
    __asm__ volatile(
        "b.w 1f\n"
        ".p2align 12\n"
        ".space 4092\n"
        "1: cmp r1, r2\n"
        "ite hi\n"
        "ldrhi r0, [r0]\n" /* the first instruction of the next page */
        "movls r0, #0\n"
        "bx lr\n");
}

/* Calls store_hi(p, 2, 1, 7) and returns 1 + (1 if the add after the call ran). */
NAKED uint32_t count_after_store(uint32_t *p UNUSED) {
    __asm__ volatile(
        "push {r4, lr}\n"
        "movs r4, #1\n"
        "movs r1, #2\n"
        "movs r2, #1\n"
        "movs r3, #7\n"
        "bl store_hi\n"
        "adds r4, r4, #1\n"
        "mov r0, r4\n"
        "pop {r4, pc}\n");
}

/* Calls load_hi(p, 2, 1) and returns the word at p + 1 + (1 if the add after the call ran). */
NAKED uint32_t count_after_load(const uint32_t *p UNUSED) {
    __asm__ volatile(
        "push {r4, lr}\n"
        "movs r4, #1\n"
        "movs r1, #2\n"
        "movs r2, #1\n"
        "bl load_hi\n"
        "adds r4, r4, #1\n"
        "add r0, r0, r4\n"
        "pop {r4, pc}\n");
}

NAKED uint32_t count_after_split_load(const uint32_t *p UNUSED) {
    __asm__ volatile(
        "push {r4, lr}\n"
        "movs r4, #1\n"
        "movs r1, #2\n"
        "movs r2, #1\n"
        "bl load_hi_across_pages\n"
        "adds r4, r4, #1\n"
        "add r0, r0, r4\n"
        "pop {r4, pc}\n");
}

/* A flatbuffer table: vtable {vtable size 8, table size 8, field 4 at 4, field 6 at 6}, then
 * the table, whose first word is its distance back to the vtable. */
static uint16_t flatbuffer[8] __attribute__((aligned(4))) = {8, 8, 4, 6, 8, 0, 0, 0};
volatile uint32_t it_results[7];

int main(void) {
    simtiny_caches_enable();
    const void *table = &flatbuffer[4];
    uint32_t word = 0;
    it_results[0] = gofo(table, 4);         /* present: 4 */
    it_results[1] = gofo(table, 6);         /* present: 6 */
    it_results[2] = gofo(table, 8);         /* past the vtable: 0 */
    it_results[3] = count_after_store(&word); /* 2 */
    it_results[4] = word;                   /* 7 */
    word = 40;
    it_results[5] = count_after_load(&word); /* 40 + 2 */
    word = 50;
    it_results[6] = count_after_split_load(&word); /* 50 + 2 */
    static const uint32_t expected[7] = {4, 6, 0, 2, 7, 42, 52};
    int wrong = 0;
    for (int i = 0; i < 7; i++) {
        if (it_results[i] != expected[i]) wrong |= 1 << i;
    }
    return wrong;
}
