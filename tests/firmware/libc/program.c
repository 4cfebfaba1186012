/* Firmware built with a C library's own semihosting -- newlib's rdimon (--specs=rdimon.specs) or
 * picolibc's semihost library -- instead of simtiny's runtime: stdio, the heap, files and the exit
 * status all go through the library as they would under a debugger.
 *
 * -DSCENARIO picks what it does (tests/test_semihosting_files.py checks each):
 *   1  print, return STATUS from main         2  print, exit(STATUS) from a nested call
 *   3  malloc, calloc, realloc and free       4  files in the run's directory, errno for refusals
 *   5  the console: stdin to stdout, stderr   6  abort()
 * Every check that fails prints why and returns its own status (10 and up). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SCENARIO
#define SCENARIO 1
#endif
#ifndef STATUS
#define STATUS 3
#endif
#ifndef LIBC
#define LIBC "libc"
#endif
#ifndef CONFINED
#define CONFINED 1 /* 0: leave out the checks that names cannot leave the run's directory (QEMU's
                      semihosting opens any host path, so the cross-engine run skips them) */
#endif

/* rename() is no SYS_RENAME in either library (newlib makes it link + unlink, which rdimon lacks;
 * picolibc has none): each library's own semihosting call does it. */
#ifdef __PICOLIBC__
#include <semihost.h>
#define RENAME(old, new) sys_semihost_rename((old), (new))
#else
extern int _rename(const char *old, const char *new);
#define RENAME(old, new) _rename((old), (new))
#endif

#define CHECK(cond, code)                                                        \
    do {                                                                         \
        if (!(cond)) {                                                           \
            printf("FAILED %d: %s (errno %d)\n", (code), #cond, errno);          \
            return (code);                                                       \
        }                                                                        \
    } while (0)

__attribute__((noinline)) static void leave(int status) {
    fflush(stdout);
    exit(status);
}

static int heap(void) {
    enum { BLOCKS = 16 };
    uint8_t *blocks[BLOCKS];
    size_t total = 0;
    for (int i = 0; i < BLOCKS; i++) { /* 1 KB up to 16 KB each: 136 KB in all */
        size_t n = (size_t)(i + 1) * 1024u;
        blocks[i] = malloc(n);
        CHECK(blocks[i] != NULL, 10);
        memset(blocks[i], (int)(0x40 + i), n);
        total += n;
    }
    for (int i = 0; i < BLOCKS; i++) {
        size_t n = (size_t)(i + 1) * 1024u;
        for (size_t k = 0; k < n; k += 97u) CHECK(blocks[i][k] == (uint8_t)(0x40 + i), 11);
    }
    for (int i = 0; i < BLOCKS; i += 2) free(blocks[i]);
    uint32_t *zeros = calloc(1000, sizeof(uint32_t));
    CHECK(zeros != NULL, 12);
    for (int k = 0; k < 1000; k++) CHECK(zeros[k] == 0, 13);
    uint8_t *grown = realloc(blocks[1], 64u * 1024u);
    CHECK(grown != NULL, 14);
    for (size_t k = 0; k < 2048u; k++) CHECK(grown[k] == 0x41, 15);
    CHECK(malloc(16u << 20) == NULL, 16); /* 16 MB: more than the board has */
    free(zeros);
    free(grown);
    for (int i = 3; i < BLOCKS; i += 2) free(blocks[i]);
    printf("malloc ok: %u bytes in %d blocks\n", (unsigned)total, BLOCKS);
    return 0;
}

static int files(void) {
    FILE *f = fopen("notes.txt", "w");
    CHECK(f != NULL, 20);
    for (int i = 0; i < 100; i++) fprintf(f, "line %03d\n", i);
    CHECK(fclose(f) == 0, 21);

    char line[64];
    f = fopen("notes.txt", "r");
    CHECK(f != NULL, 22);
    CHECK(fgets(line, sizeof line, f) != NULL && strcmp(line, "line 000\n") == 0, 23);
    CHECK(fseek(f, 0, SEEK_END) == 0 && ftell(f) == 900, 24);
    CHECK(fseek(f, 9 * 42, SEEK_SET) == 0, 25);
    CHECK(fgets(line, sizeof line, f) != NULL && strcmp(line, "line 042\n") == 0, 26);
    CHECK(fclose(f) == 0, 27);

    f = fopen("notes.txt", "a");
    CHECK(f != NULL && fputs("appended\n", f) >= 0 && fclose(f) == 0, 28);
    CHECK(RENAME("notes.txt", "kept.txt") == 0, 29);
    CHECK(fopen("notes.txt", "r") == NULL && errno == ENOENT, 30);

    /* the host put input.txt in the directory: copy it to output.txt in upper case */
    FILE *in = fopen("input.txt", "rb");
    FILE *out = fopen("output.txt", "wb");
    CHECK(in != NULL && out != NULL, 31);
    int c;
    while ((c = fgetc(in)) != EOF) fputc(c >= 'a' && c <= 'z' ? c - 32 : c, out);
    CHECK(fclose(in) == 0 && fclose(out) == 0, 32);

    f = fopen("scratch.bin", "w+b");
    CHECK(f != NULL, 33);
    CHECK(fwrite("0123456789", 1, 10, f) == 10 && fseek(f, 3, SEEK_SET) == 0, 34);
    CHECK(fread(line, 1, 4, f) == 4 && memcmp(line, "3456", 4) == 0, 35);
    CHECK(fclose(f) == 0 && remove("scratch.bin") == 0, 36);
    CHECK(remove("scratch.bin") != 0, 37);

#if CONFINED
    /* names that would leave the directory are refused, not opened on the host */
    errno = 0;
    CHECK(fopen("../escaped.txt", "w") == NULL && errno == EACCES, 38);
    errno = 0;
    CHECK(fopen("/etc/passwd", "r") == NULL && errno == EACCES, 39);
    errno = 0;
    CHECK(fopen("link/escaped.txt", "w") == NULL && errno == EACCES, 40); /* a symlink pointing out */
#endif
    printf("files ok\n");
    return 0;
}

static int console(void) {
    char line[80];
    CHECK(fgets(line, sizeof line, stdin) != NULL, 50);
    for (char *p = line; *p; p++) *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    printf("stdin said: %s", line);
#ifndef __PICOLIBC__ /* picolibc reads the console with SYS_READC, which has no end of input */
    CHECK(fgets(line, sizeof line, stdin) == NULL, 51);
#endif
    fprintf(stderr, "to stderr\n");
    printf("pi is about %.3f\n", 3.14159265);
    return 0;
}

int main(void) {
    printf("hello from %s, scenario %d\n", LIBC, SCENARIO);
    switch (SCENARIO) {
    case 1:
        return STATUS;
    case 2:
        leave(STATUS);
        return 0;
    case 3:
        return heap();
    case 4:
        return files();
    case 5:
        return console();
    case 6:
        abort();
    default:
        return 99;
    }
}
