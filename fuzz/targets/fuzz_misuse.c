/* Target "misuse": ops and misuse ops (docs/OP_LANGUAGE.md, version 2) on a
 * debug heap with a quarantine of 4; every misuse must be reported once,
 * with its kind, and leave the heap sound. */
#include "fuzz_target.h"
#include "input.h"

void pa_fuzz_misuse_one(const uint8_t *data, size_t size) {
    pa_fuzz_heap_input(PA_TARGET_MISUSE, data, size);
}
