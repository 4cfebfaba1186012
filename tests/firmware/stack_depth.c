/* Uses a known amount of stack: a recursion whose frames each hold a 256-byte buffer. */
#include "simtiny_hal.h"

volatile uint32_t stack_result;

__attribute__((noinline)) uint32_t descend(uint32_t depth) {
    volatile uint8_t frame[256];
    for (uint32_t i = 0; i < sizeof frame; i++) frame[i] = (uint8_t)(depth + i);
    uint32_t below = depth ? descend(depth - 1) : 0u;
    return below + frame[(depth * 7u) % sizeof frame]; /* the frame stays live across the call */
}

int main(void) {
    stack_result = descend(15); /* 16 frames of at least 256 bytes */
    return 0;
}
