/* Running one input of a target in a child process, so a crash (the
 * target's abort, a sanitizer report, a signal) is observed, not suffered. */
#ifndef PA_FUZZ_ISOLATE_H
#define PA_FUZZ_ISOLATE_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz_target.h"

typedef struct pa_isolated {
    int failed;           /* 0: the input passed */
    char signature[160];  /* KIND@place, ASAN:kind@function, UBSAN@file:line, SIGNAL:n, TIMEOUT */
    char *output;         /* the child's stderr, malloc'd */
} pa_isolated;

/* 0, or -1 if the child could not be started. full: PA_FUZZ_FULL_CHECKS=1. */
int pa_run_isolated(pa_fuzz_fn fn, const uint8_t *data, size_t len, int full,
                    unsigned timeout_s, pa_isolated *r);
/* The same for an external replay program: `program path`, its stdout and
 * stderr judged (the contract target's replay, with its allocator
 * preloaded through the environment). 0, or -1 if it could not start. */
int pa_run_command_isolated(const char *program, const char *path, unsigned timeout_s, pa_isolated *r);
void pa_isolated_free(pa_isolated *r);
/* The signature a failure report (ours or a sanitizer's) names. */
void pa_signature_of_output(const char *out, int status, char *sig, size_t sig_len);

#endif
