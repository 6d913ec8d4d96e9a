/* What a generated C reproducer (pa-fuzz-replay --reproducer) calls. */
#ifndef PA_FUZZ_REPRODUCER_RUN_H
#define PA_FUZZ_REPRODUCER_RUN_H

#include <stddef.h>

/* Runs the input on the named target with the full checker after every op.
 * 0: it passes (the bug is fixed); 1: it fails, with the report on stderr;
 * 2: unknown target. A crash of the allocator ends the process. */
int pa_reproducer_run(const char *target, const unsigned char *data, size_t len);

#endif
