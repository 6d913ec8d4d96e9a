/* Regression reproducer for fuzz target "config", failure STATS_FIGURE@stats_print.
 * From STATS_FIGURE-stats_print, by pa-fuzz-replay --reproducer. It passes (exit 0) once the
 * bug is fixed; it runs the full invariant checker after every op.
 *
 * # poolalloc op language v2, target config, 2 ops
 * config align=16 threshold=80 pool=65536 arena=16777216 empty=keep_one decommit=never keep=3 limit=0
 * memalign 4096 0                      # op 0
 * stats_print                          # op 1
 */
#include <stddef.h>

#include "reproducer_run.h"

static const unsigned char input[10] = {
    0x30, 0x30, 0x30, 0x30, 0x30, 0x0f, 0x0c, 0x80, 0x00, 0xf9,
};

int main(void) {
    return pa_reproducer_run("config", input, 10);
}
