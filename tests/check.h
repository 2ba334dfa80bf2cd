/* check.h — the tiny test harness every C test program uses.
 * CHECK(cond, fmt, ...) counts a pass or prints the failure with its place; SKIP(fmt, ...)
 * says a part could not run (a file or tool missing) and counts it as skipped, never as
 * passed; check_done() prints the program's closing line "name: N passed, N failed" (plus
 * ", N skipped") and returns the exit code. tests/run_all.sh adds the lines of all programs
 * up into one final line and lists what was skipped. */
#ifndef BACKDROP_CHECK_H
#define BACKDROP_CHECK_H
#include <stdio.h>

static int check_passed_, check_failed_, check_skipped_;

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (cond) {                                                             \
            check_passed_++;                                                    \
        } else {                                                                \
            check_failed_++;                                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
        }                                                                       \
    } while (0)

#define SKIP(...)                                                               \
    do {                                                                        \
        check_skipped_++;                                                       \
        printf("skipped: ");                                                    \
        printf(__VA_ARGS__);                                                    \
        putchar('\n');                                                          \
    } while (0)

static inline int check_done(const char *name)
{
    if (check_skipped_)
        printf("%s: %d passed, %d failed, %d skipped\n", name, check_passed_, check_failed_,
               check_skipped_);
    else
        printf("%s: %d passed, %d failed\n", name, check_passed_, check_failed_);
    fflush(stdout);
    return check_failed_ ? 1 : 0;
}
#endif
