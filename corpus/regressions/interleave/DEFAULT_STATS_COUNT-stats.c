/* Regression reproducer for fuzz target "interleave", failure DEFAULT_STATS_COUNT@stats.
 * From DEFAULT_STATS_COUNT-stats, by pa-fuzz-replay --reproducer. It passes (exit 0) once the
 * bug is fixed; it runs the full invariant checker after every op.
 *
 * # poolalloc op language v2, target interleave, 5 ops
 * thread 3 exit                        # op 0
 * malloc c3084-1  # 79 bytes           # op 1
 * thread 3 exit                        # op 2
 * stats                                # op 3
 * stats                                # op 4
 */
#include <stddef.h>

#include "reproducer_run.h"

static const unsigned char input[9] = {
    0x1f, 0x07, 0x00, 0x30, 0x30, 0x1f, 0x07, 0x19, 0x19,
};

int main(void) {
    return pa_reproducer_run("interleave", input, 9);
}
