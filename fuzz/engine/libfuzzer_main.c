/* libFuzzer entry point for any target. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine_watch.h"
#include "fuzz_target.h"

/* The build names the target: -DPA_FUZZ_ENTRY=pa_fuzz_default_one. */
#ifndef PA_FUZZ_ENTRY
#error "define PA_FUZZ_ENTRY to the target's run function"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The op watchdog (OP_HANG, OP_CRASH), well below the engine's -timeout. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    if (pa_engine_watch_start())
        exit(2);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    PA_FUZZ_ENTRY(data, size);
    return 0;
}
