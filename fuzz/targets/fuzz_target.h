/* What the fuzz targets provide to the engines (fuzz/engine/) and tools.
 * Each run function returns only if the input passed; a failure prints a
 * report to stderr (ending in "signature: KIND@place") and aborts, which
 * every engine records as a crash. */
#ifndef PA_FUZZ_TARGET_H
#define PA_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>

typedef void (*pa_fuzz_fn)(const uint8_t *data, size_t size);

void pa_fuzz_default_one(const uint8_t *data, size_t size);
void pa_fuzz_config_one(const uint8_t *data, size_t size);
void pa_fuzz_trace_parser_one(const uint8_t *data, size_t size);
void pa_fuzz_fault_one(const uint8_t *data, size_t size);
void pa_fuzz_misuse_one(const uint8_t *data, size_t size);
void pa_fuzz_interleave_one(const uint8_t *data, size_t size);
/* The C library's malloc contract (fuzz/contract/), a build of its own. */
void pa_fuzz_contract_one(const uint8_t *data, size_t size);

/* The heap targets share their driver (heap_driver.c). */
void pa_fuzz_heap_input(int target, const uint8_t *data, size_t size);

/* By name ("default", "config", "trace_parser", "fault", "misuse",
 * "interleave"); NULL if
 * not built. */
pa_fuzz_fn pa_fuzz_target_by_name(const char *name);

#endif
