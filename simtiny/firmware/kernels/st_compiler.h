/* Compiler attributes the kernels share. */
#ifndef ST_COMPILER_H
#define ST_COMPILER_H

/* A function that runs once an inference and costs little of it, compiled for size with gcc
 * (clang has no per-function optimisation level): the flash goes to the hot kernels. */
#if defined(__GNUC__) && !defined(__clang__)
#define ST_COLD __attribute__((optimize("Os")))
#define ST_COLD_FILE _Pragma("GCC optimize(\"Os\")") /* the same for every function of a source after it */
#else
#define ST_COLD
#define ST_COLD_FILE
#endif

#endif
