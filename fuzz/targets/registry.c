/* The targets by name, for the tools. */
#include <string.h>

#include "fuzz_target.h"

pa_fuzz_fn pa_fuzz_target_by_name(const char *name) {
    if (strcmp(name, "default") == 0)
        return pa_fuzz_default_one;
    if (strcmp(name, "config") == 0)
        return pa_fuzz_config_one;
    if (strcmp(name, "fault") == 0)
        return pa_fuzz_fault_one;
    if (strcmp(name, "misuse") == 0)
        return pa_fuzz_misuse_one;
    if (strcmp(name, "interleave") == 0)
        return pa_fuzz_interleave_one;
#ifdef PA_HAVE_TRACE
    if (strcmp(name, "trace_parser") == 0)
        return pa_fuzz_trace_parser_one;
#endif
    return NULL;
}
