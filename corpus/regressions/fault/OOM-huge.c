/* Regression reproducer for fuzz target "fault".
 * From OOM-huge, by pa-fuzz-replay --reproducer. It passes (exit 0) once the
 * bug is fixed; it runs the full invariant checker after every op.
 *
 * # poolalloc op language v2, target fault, 24 ops
 * huge align 2^31                      # op 0
 * free #0                              # op 1
 * huge align 2^31                      # op 2
 * free #0                              # op 3
 * huge align 2^31                      # op 4
 * free #0                              # op 5
 * huge align 2^31                      # op 6
 * free #0                              # op 7
 * huge align 2^31                      # op 8
 * free #0                              # op 9
 * huge align 2^31                      # op 10
 * free #0                              # op 11
 * huge align 2^31                      # op 12
 * free #0                              # op 13
 * huge align 2^31                      # op 14
 * free #0                              # op 15
 * huge align 2^31                      # op 16
 * free #0                              # op 17
 * huge align 2^31                      # op 18
 * free #0                              # op 19
 * huge align 2^31                      # op 20
 * free #0                              # op 21
 * huge align 2^31                      # op 22
 * free #0                              # op 23
 */
#include <stddef.h>

#include "reproducer_run.h"

static const unsigned char input[84] = {
    0xf4, 0x00, 0x00, 0x7f, 0x0b, 0x00, 0x00, 0xf4, 0x00, 0x00, 0x7f, 0x0b,
    0x00, 0x00, 0xf4, 0x00, 0x00, 0x7f, 0x0b, 0x00, 0x00, 0xf4, 0x00, 0x00,
    0x7f, 0x0b, 0x00, 0x00, 0xf4, 0x00, 0x00, 0x7f, 0x0b, 0x00, 0x00, 0xf4,
    0x00, 0x00, 0x7f, 0x0b, 0x00, 0x00, 0xf4, 0x00, 0x00, 0x7f, 0x0b, 0x00,
    0x00, 0xf4, 0x00, 0x00, 0x7f, 0x0b, 0x00, 0x00, 0xf4, 0x00, 0x00, 0x7f,
    0x0b, 0x00, 0x00, 0xf4, 0x00, 0x00, 0x7f, 0x0b, 0x00, 0x00, 0xf4, 0x00,
    0x00, 0x7f, 0x0b, 0x00, 0x00, 0xf4, 0x00, 0x00, 0x7f, 0x0b, 0x00, 0x00,
};

int main(void) {
    return pa_reproducer_run("fault", input, 84);
}
