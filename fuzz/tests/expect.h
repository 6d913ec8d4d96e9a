/* The fuzz unit tests' assertion: count, and on failure say where and why,
 * then go on (every broken property of a run is listed, not just the first). */
#ifndef PA_FUZZ_TEST_EXPECT_H
#define PA_FUZZ_TEST_EXPECT_H

#include <stdio.h>

/* One pair per test program (expect.c), shared by its files. */
extern int failures, checks;

#define EXPECT(cond, ...)                                                      \
    do {                                                                       \
        checks++;                                                              \
        if (!(cond)) {                                                         \
            failures++;                                                        \
            fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

/* '*' in want matches any run of characters (a pointer, a serial). */
static inline int matches(const char *want, const char *got) {
    if (!*want)
        return !*got;
    if (*want == '*')
        return matches(want + 1, got) || (*got && matches(want, got + 1));
    return *want == *got && matches(want + 1, got + 1);
}

#endif
