/* Regression reproducer for fuzz target "interleave".
 * From ASAN-use-after-poison-realloc_move, by pa-fuzz-replay --reproducer. It passes (exit 0) once the
 * bug is fixed; it runs the full invariant checker after every op.
 *
 * # poolalloc op language v2, target interleave, 4 ops
 * alloc_many 4 c12  # 208 bytes        # op 0
 * grow #3 8                            # op 1
 * thread 3 exit                        # op 2
 * grow #3 249                          # op 3
 */
#include <stddef.h>

#include "reproducer_run.h"

static const unsigned char input[14] = {
    0x16, 0x03, 0x00, 0x31, 0x09, 0x03, 0x00, 0x07, 0x1f, 0x07, 0x09, 0x03,
    0x00, 0xf8,
};

int main(void) {
    return pa_reproducer_run("interleave", input, 14);
}
