/* Writes a standalone C reproducer of one input: the input's bytes, its ops
 * as text in a comment, and a main that replays it with full checks. Placed
 * under corpus/regressions/<target>/, it becomes a ctest case. */
#ifndef PA_FUZZ_REPRODUCER_WRITE_H
#define PA_FUZZ_REPRODUCER_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "input.h"

int pa_reproducer_write(FILE *out, pa_target t, const uint8_t *data, size_t len,
                        const char *signature, const char *source);

#endif
