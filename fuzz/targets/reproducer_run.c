/* Runtime of generated reproducers. */
#include "reproducer_run.h"

#include <stdint.h>
#include <stdio.h>

#include "executor.h"
#include "fuzz_target.h"
#include "input.h"

int pa_reproducer_run(const char *target, const unsigned char *data, size_t len) {
    int t = pa_target_from_name(target);
    if (t >= 0 && pa_target_is_heap((pa_target)t)) {
        pa_input in;
        pa_input_decode((pa_target)t, data, len, &in);
        pa_exec_options opt = {1, 0, NULL, NULL, NULL, NULL};
        pa_exec_failure f;
        int rc = pa_exec_target_run(t, &in.cfg, in.ops, in.nops, &opt, &f, NULL);
        if (rc) {
            pa_exec_failure_print(stderr, &f, &in.cfg, in.nops);
            pa_exec_failure_free(&f);
        }
        pa_input_free(&in);
        printf("%s: %s\n", target, rc ? "FAILED" : "passed");
        return rc;
    }
    pa_fuzz_fn fn = pa_fuzz_target_by_name(target);
    if (!fn) {
        fprintf(stderr, "unknown target %s\n", target);
        return 2;
    }
    fn((const uint8_t *)data, len); /* aborts on failure */
    printf("%s: passed\n", target);
    return 0;
}
