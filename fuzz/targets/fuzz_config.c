/* Target "config": the first PA_CONFIG_BYTES bytes choose a legal heap
 * configuration (alignment, threshold, pool and arena size, policies, memory
 * limit), the rest are ops. */
#include "fuzz_target.h"
#include "input.h"

void pa_fuzz_config_one(const uint8_t *data, size_t size) {
    pa_fuzz_heap_input(PA_TARGET_CONFIG, data, size);
}
