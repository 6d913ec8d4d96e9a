/* Target "interleave": ops, with thread ops choosing which of four logical
 * threads runs them, on the default API's thread heaps (exec_threads.c). */
#include "fuzz_target.h"
#include "input.h"

void pa_fuzz_interleave_one(const uint8_t *data, size_t size) {
    pa_fuzz_heap_input(PA_TARGET_INTERLEAVE, data, size);
}
