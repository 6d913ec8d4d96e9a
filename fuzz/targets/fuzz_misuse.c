/* Target "misuse": ops and misuse ops (docs/OP_LANGUAGE.md, version 2) on a
 * debug heap with a quarantine of 4; every misuse must be reported once,
 * with its kind, and leave the heap sound. The process's default heap is a
 * debug one too (POOLALLOC_DEBUG=4, unless the environment chose), so the
 * default_heap op runs on the shared debug heap that serves every thread. */
#include <stdlib.h>

#include "fuzz_target.h"
#include "input.h"

void pa_fuzz_misuse_one(const uint8_t *data, size_t size) {
    /* read once, when the process makes its first default heap: a process
     * that made one before keeps it as it is */
    static int asked;
    if (!asked) {
        setenv("POOLALLOC_DEBUG", "4", 0);
        asked = 1;
    }
    pa_fuzz_heap_input(PA_TARGET_MISUSE, data, size);
}
