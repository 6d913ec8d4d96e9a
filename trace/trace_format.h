/* The real-program trace format: one allocator call per line.
 *   m ID SIZE          malloc(SIZE) returned the pointer named ID
 *   c ID N SIZE        calloc(N, SIZE)
 *   r OLD_ID NEW_ID SIZE  realloc(OLD, SIZE) (OLD_ID 0: realloc(NULL, SIZE))
 *   f ID               free (ID 0: free(NULL))
 *   a ID ALIGN SIZE    aligned allocation (memalign/posix_memalign/aligned_alloc)
 * IDs number live pointers in order of first appearance; 0 is NULL, so a call
 * that returned NULL is recorded with ID 0. '#' starts a comment line; blank
 * lines are ignored. (Contract; trace implements it.) */
#ifndef POOLALLOC_TRACE_FORMAT_H
#define POOLALLOC_TRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum pa_trace_kind {
    PA_TRACE_MALLOC = 'm',
    PA_TRACE_CALLOC = 'c',
    PA_TRACE_REALLOC = 'r',
    PA_TRACE_FREE = 'f',
    PA_TRACE_ALIGNED = 'a',
} pa_trace_kind;

typedef struct pa_trace_op {
    pa_trace_kind kind;
    uint64_t id;      /* result (m c a), the freed pointer (f), or old id (r) */
    uint64_t new_id;  /* r only */
    uint64_t count;   /* c only */
    uint64_t align;   /* a only */
    uint64_t size;
    /* Set by pa_trace_reader_next (0 from pa_trace_parse_line): a dense
     * number for each live ID, so a replay indexes an array instead of
     * hashing IDs. slot names id (not 0) in every kind; new_slot names
     * new_id (r only, not 0), and is id's slot when id is not 0. A slot
     * is free again when its ID dies, and numbers stay below the most IDs
     * live at once. */
    uint64_t slot, new_slot;
} pa_trace_op;

typedef struct pa_trace {
    pa_trace_op *ops;
    size_t nops;
    uint64_t max_id;
} pa_trace;

/* Parse one line (no trailing newline needed). 1: an op; 0: blank or comment;
 * -1: malformed, with a reason in err. */
int pa_trace_parse_line(const char *line, pa_trace_op *op, char *err, size_t err_len);
/* A trace read one op at a time, with the ID checks of pa_trace_read, in
 * memory proportional to the IDs live at that point and the longest line:
 * what replays traces of any length. */
typedef struct pa_trace_reader pa_trace_reader;
/* NULL: no memory. in stays the caller's. */
pa_trace_reader *pa_trace_reader_new(FILE *in, const char *name);
/* 1: the next op in *op; 0: end of input; -1: "NAME:LINE: reason" in err
 * (and -1 for every call after). */
int pa_trace_reader_next(pa_trace_reader *r, pa_trace_op *op, char *err, size_t err_len);
/* The line the last op (or error) came from, counting from 1. */
unsigned long long pa_trace_reader_line(const pa_trace_reader *r);
/* How many IDs are live after the last op. */
size_t pa_trace_reader_live(const pa_trace_reader *r);
/* How many slot numbers were handed out so far: every slot is below it. */
uint64_t pa_trace_reader_slots(const pa_trace_reader *r);
void pa_trace_reader_free(pa_trace_reader *r);

/* Read a whole trace. 0, or -1 with "NAME:LINE: reason" in err; on error
 * nothing is left allocated. Checks IDs too: freeing or reallocating an ID
 * that is not live is an error. */
int pa_trace_read(FILE *in, const char *name, pa_trace *out, char *err, size_t err_len);
void pa_trace_free(pa_trace *t);
/* Write one op as a line, with the newline. */
int pa_trace_write_op(FILE *out, const pa_trace_op *op);

#endif
