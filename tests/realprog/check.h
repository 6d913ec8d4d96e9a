/* CHECK for the drop-in's test programs: names the failed condition and
 * its line, counts it in failures, and goes on (main exits 1 if any). */
#ifndef REALPROG_CHECK_H
#define REALPROG_CHECK_H

#include <stdio.h>

static int failures;
#define CHECK(cond)                                                                                      \
    do {                                                                                                 \
        if (!(cond)) {                                                                                   \
            fprintf(stderr, "%s: line %d: %s\n", PROGRAM, __LINE__, #cond);                            \
            failures++;                                                                                  \
        }                                                                                                \
    } while (0)

#endif
