/* Target "default": the whole input is ops on a heap with the default
 * configuration (CPython 3.12's layout). */
#include "fuzz_target.h"
#include "input.h"

void pa_fuzz_default_one(const uint8_t *data, size_t size) {
    pa_fuzz_heap_input(PA_TARGET_DEFAULT, data, size);
}
