/* Reads a trace on a thread of its own, ahead of the replay: the parsing,
 * and the reader's check that every ID is live where an op names it, run
 * beside the ops and their checks instead of between them. Ops pass in
 * batches, so the threads meet once per batch, not once per op. Without a
 * thread (pthread_create failed) the batches are read on the caller's. */
#ifndef PA_FUZZ_TRACE_PIPE_H
#define PA_FUZZ_TRACE_PIPE_H

#include <stddef.h>
#include <stdint.h>

#include "trace_format.h"

typedef struct pa_trace_pipe pa_trace_pipe;

typedef enum pa_trace_pipe_end {
    PA_PIPE_MORE,      /* an op */
    PA_PIPE_END,       /* the end of the trace */
    PA_PIPE_MAX_OPS,   /* max_ops ops were read; the rest was not */
    PA_PIPE_MALFORMED, /* the reader's error, after every op before it */
} pa_trace_pipe_end;

/* Starts reading r (which the pipe uses until pa_trace_pipe_stop), at most
 * max_ops ops (0: all). NULL: no memory. */
pa_trace_pipe *pa_trace_pipe_start(pa_trace_reader *r, uint64_t max_ops);
/* The next op and its line (valid until the next call), or why there is
 * none: PA_PIPE_MALFORMED with the reader's message in err. */
pa_trace_pipe_end pa_trace_pipe_next(pa_trace_pipe *p, const pa_trace_op **op, unsigned long long *line, char *err,
                                     size_t err_len);
/* The op k places after the one pa_trace_pipe_next gave last, if it is in
 * the same batch; NULL otherwise. For hints only: it may change. */
const pa_trace_op *pa_trace_pipe_peek(const pa_trace_pipe *p, size_t k);
/* Stops the reading thread wherever it is and frees the pipe. */
void pa_trace_pipe_stop(pa_trace_pipe *p);

#endif
