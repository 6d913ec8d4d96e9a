/* The fuzz unit tests' assertion: count, and on failure say where and why,
 * then go on (every broken property of a run is listed, not just the first). */
#ifndef PA_FUZZ_TEST_EXPECT_H
#define PA_FUZZ_TEST_EXPECT_H

#include <stdio.h>

static int failures, checks;

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

#endif
