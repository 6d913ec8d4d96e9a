/* Regression reproducer for fuzz target "default", failure STATS_FIGURE@stats_print.
 * From STATS_FIGURE-stats_print, by pa-fuzz-replay --reproducer. It passes (exit 0) once the
 * bug is fixed; it runs the full invariant checker after every op.
 *
 * # poolalloc op language v2, target default, 2 ops
 * memalign 4096 0                      # op 0
 * stats_print                          # op 1
 */
#include <stddef.h>

#include "reproducer_run.h"

static const unsigned char input[5] = {
    0x0f, 0x0c, 0x80, 0x00, 0xf9,
};

int main(void) {
    return pa_reproducer_run("default", input, 5);
}
