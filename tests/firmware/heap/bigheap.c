/* Firmware for tests/test_heap.py: malloc HEAP_BYTES, write all of it, check it, free it. The
 * stack stays small (a few hundred bytes), so a stack figure near HEAP_BYTES counts the heap. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HEAP_BYTES
#define HEAP_BYTES (100u * 1024u)
#endif

int main(void) {
    uint8_t *block = malloc(HEAP_BYTES);
    if (block == NULL) {
        printf("malloc failed\n");
        return 10;
    }
    memset(block, 0x5A, HEAP_BYTES);
    for (size_t k = 0; k < HEAP_BYTES; k += 509u) {
        if (block[k] != 0x5A) return 11;
    }
    free(block);
    printf("heap ok: %u bytes\n", (unsigned)HEAP_BYTES);
    return 0;
}
