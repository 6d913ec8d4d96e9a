/* Regression reproducer for fuzz target "fault", failure STATS_FIGURE@stats_print.
 * From STATS_FIGURE-stats_print, by pa-fuzz-replay --reproducer. It passes (exit 0) once the
 * bug is fixed; it runs the full invariant checker after every op.
 *
 * # poolalloc op language v2, target fault, 5 ops
 * fault map next 5                     # op 0
 * memalign 48 c3084-1  # 63 bytes      # op 1
 * realloc #0 134144                    # op 2
 * realloc #0 c3084-1  # 63 bytes       # op 3
 * stats_print                          # op 4
 */
#include <stddef.h>

#include "reproducer_run.h"

static const unsigned char input[18] = {
    0x1c, 0x00, 0x04, 0x0f, 0x30, 0x30, 0x30, 0x06, 0x00, 0x00, 0xc8, 0x30,
    0x06, 0x00, 0x00, 0x30, 0x30, 0xf9,
};

int main(void) {
    return pa_reproducer_run("fault", input, 18);
}
