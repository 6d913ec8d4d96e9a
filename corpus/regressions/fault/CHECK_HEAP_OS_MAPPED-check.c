/* Regression reproducer for fuzz target "fault".
 * From CHECK_HEAP_OS_MAPPED-check, by pa-fuzz-replay --reproducer. It passes (exit 0) once the
 * bug is fixed; it runs the full invariant checker after every op.
 *
 * # poolalloc op language v2, target fault, 4 ops
 * fault map next 4                     # op 0
 * fault unmap for 16                   # op 1
 * malloc c1792  # 1536 bytes           # op 2
 * check                                # op 3
 */
#include <stddef.h>

#include "reproducer_run.h"

static const unsigned char input[10] = {
    0x1c, 0x00, 0x03, 0x1c, 0x05, 0x0f, 0x00, 0x1c, 0x01, 0x14,
};

int main(void) {
    return pa_reproducer_run("fault", input, 10);
}
