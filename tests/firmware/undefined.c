/* Executes a permanently undefined instruction (UDF) in a function named g. */
#include "simtiny_hal.h"

__attribute__((noinline)) void g(void) {
    __asm__ volatile("udf #42");
}

int main(void) {
    g();
    return 0;
}
