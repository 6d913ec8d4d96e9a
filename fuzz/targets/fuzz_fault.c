/* Target "fault": ops and fault ops (docs/OP_LANGUAGE.md, version 2) on a
 * heap that asks the OS often (4 KiB pools, 64 KiB arenas, every free pool
 * decommitted, every empty arena returned); the fault ops make chosen OS
 * requests fail. */
#include "fuzz_target.h"
#include "input.h"

void pa_fuzz_fault_one(const uint8_t *data, size_t size) {
    pa_fuzz_heap_input(PA_TARGET_FAULT, data, size);
}
