/* Real-program traces (trace/trace_format.h) as ops: what the trace
 * replayer runs and what the trace-to-seed converter writes. */
#ifndef PA_FUZZ_TRACE_CONVERT_H
#define PA_FUZZ_TRACE_CONVERT_H

#include <stddef.h>

#include "ops.h"
#include "trace_format.h"

typedef struct pa_trace_convert_stats {
    size_t converted;   /* trace ops that became ops */
    size_t dropped;     /* ops past max_ops, or on pointers the live-set cap dropped */
    size_t approximated;/* sizes or counts the op language cannot say exactly */
} pa_trace_convert_stats;

/* Ops for the first trace ops (at most max_ops ops out; 0: no limit). Trace
 * IDs become live-set indices; realloc(NULL) becomes malloc. *ops malloc'd.
 * 0, or -1 (out of memory). */
int pa_trace_to_ops(const pa_trace *t, size_t max_ops, pa_op **ops, size_t *nops,
                    pa_trace_convert_stats *st);

/* Read a trace file and convert it: 0; -1 with "NAME:LINE: reason" (or
 * "cannot read") in err; -2 out of memory. */
int pa_trace_file_to_ops(const char *path, size_t max_ops, pa_op **ops, size_t *nops,
                         pa_trace_convert_stats *st, char *err, size_t err_len);

#endif
