/* The driver of the heap targets: decode, execute with the oracle, and on a
 * failure print the report and the ops leading to it, then abort. */
#include <stdio.h>
#include <stdlib.h>

#include "executor.h"
#include "fuzz_target.h"
#include "input.h"

/* PA_FUZZ_FULL_CHECKS=1 runs the full checker after every op. */
static int full_checks(void) {
    static int cached = -1;
    if (cached < 0) {
        const char *v = getenv("PA_FUZZ_FULL_CHECKS");
        cached = v && *v && *v != '0';
    }
    return cached;
}

void pa_fuzz_heap_input(int target, const uint8_t *data, size_t size) {
    pa_input in;
    pa_input_decode((pa_target)target, data, size, &in);
    pa_exec_options opt = {full_checks(), 0, NULL, NULL, NULL, NULL};
    pa_exec_failure f;
    if (pa_exec_target_run(target, &in.cfg, in.ops, in.nops, &opt, &f, NULL)) {
        pa_exec_failure_print(stderr, &f, &in.cfg, in.nops);
        /* the ops up to the failure, as text (the last 200 at most) */
        size_t end = f.op_index < in.nops ? f.op_index + 1 : in.nops;
        size_t start = end > 200 ? end - 200 : 0;
        fprintf(stderr, "ops %zu..%zu as text:\n", start, end ? end - 1 : 0);
        char line[256];
        for (size_t i = start; i < end; i++) {
            pa_op_format(line, sizeof line, &in.ops[i], &in.cfg);
            fprintf(stderr, "%-40s # op %zu\n", line, i);
        }
        fflush(stderr);
        abort();
    }
    pa_input_free(&in);
}
