/* Replays a recorded trace (trace/trace_format.h) op by op on a heap, with
 * the oracle on every op (contents, calloc zeroes, realloc prefix,
 * alignment, usable size, small/large path, no overlap, errno on NULL), the
 * incremental checker after every op, the full checker, the ghost-state
 * check and a content sweep of every live block every N ops and at the end,
 * then a teardown that accounts for every byte. Any trace length and live
 * set: memory is proportional to the blocks live at the time. */
#ifndef PA_FUZZ_TRACE_EXEC_H
#define PA_FUZZ_TRACE_EXEC_H

#include <stdint.h>
#include <stdio.h>

#include "poolalloc/config.h"
#include "trace_format.h"

/* What a trace may hold that this heap cannot replay exactly, per op kind.
 * The first three ran and were checked, the difference only told; from
 * PA_NOTE_NULL_HERE on the op could not run, and the replay fails. */
typedef enum pa_replay_note {
    PA_NOTE_BLOCK_WHERE_NULL,     /* the trace's call returned NULL, this heap a block (freed at once) */
    PA_NOTE_REALLOC_FAILED_THERE, /* the trace's realloc failed, this heap's succeeded (the ID takes the block) */
    PA_NOTE_REALLOC_ZERO_BLOCK,   /* realloc(p, 0) freed p and returned NULL there, here a minimal block (freed at once) */
    PA_NOTE_NULL_HERE,            /* this heap returned NULL (ENOMEM) where the trace's call had a block */
    PA_NOTE_LOST_ID,              /* names a block that a NULL_HERE never made */
    PA_NOTE_KINDS
} pa_replay_note;
#define PA_NOTE_NOT_REPLAYED PA_NOTE_NULL_HERE

enum { PA_REPLAY_KINDS = 5 }; /* m c r f a, in that order */

typedef struct pa_replay_stats {
    uint64_t ops;                    /* trace ops seen */
    uint64_t by_kind[PA_REPLAY_KINDS];
    uint64_t notes[PA_NOTE_KINDS][PA_REPLAY_KINDS];
    uint64_t not_replayed;           /* sum of the notes that could not run */
    uint64_t full_checks;
    size_t live, peak_live;
    size_t live_bytes, peak_live_bytes;
} pa_replay_stats;

typedef struct pa_replay_failure {
    char kind[64];       /* CONTENT_MISMATCH, OVERLAP, CHECK_<invariant>, ... */
    uint64_t op_index;   /* the op (0-based); ops: at the end */
    unsigned long long line;
    int has_op;
    pa_trace_op op;
    char detail[768];
    char *checker_text; /* malloc'd, or NULL */
} pa_replay_failure;

typedef struct pa_trace_exec pa_trace_exec;

/* full_every: a full check after every N ops (1: every op; 0: only at the
 * end). NULL: no memory or the heap could not be made (f says which). */
pa_trace_exec *pa_trace_exec_new(const pa_config *cfg, uint64_t full_every, pa_replay_failure *f);
/* One op read from the trace at `line`. 0, or -1 with the failure in f. */
int pa_trace_exec_op(pa_trace_exec *x, const pa_trace_op *op, unsigned long long line, pa_replay_failure *f);
/* The replay's prefetcher (trace_prefetch.h) set on x's blocks, record and
 * pool size. The ops run the same with or without its hints. */
struct pa_trace_prefetch;
void pa_trace_exec_prefetch_init(const pa_trace_exec *x, struct pa_trace_prefetch *pf);
/* The end: full check, every live block freed with its contents verified,
 * full check, heap destroyed with no byte left. 0, or -1. */
int pa_trace_exec_finish(pa_trace_exec *x, pa_replay_failure *f);
const pa_replay_stats *pa_trace_exec_stats(const pa_trace_exec *x);
/* The live block trace ID id names, NULL if none: what tests break on
 * purpose between ops. */
void *pa_trace_exec_block(const pa_trace_exec *x, uint64_t id);
const pa_config *pa_trace_exec_config(const pa_trace_exec *x);
void pa_trace_exec_free(pa_trace_exec *x);

const char *pa_replay_note_text(pa_replay_note note);
void pa_replay_failure_print(FILE *out, const pa_replay_failure *f, const char *trace, const pa_config *cfg);
void pa_replay_failure_free(pa_replay_failure *f);

#endif
