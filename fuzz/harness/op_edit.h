/* Editing op lists without changing which blocks the ops name: what the
 * op-aware minimizer drops and shrinks ops with. */
#ifndef PA_FUZZ_OP_EDIT_H
#define PA_FUZZ_OP_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "ops.h"

/* A block's identity: the op that made it and which of its blocks. */
typedef uint64_t pa_block_ref;
#define PA_NO_BLOCK UINT64_MAX

/* For each op, the block its index names (PA_NO_BLOCK when none). refs has
 * nops entries. 0, or -1 (out of memory). */
int pa_ops_resolve(const pa_op *ops, size_t nops, pa_block_ref *refs);

/* An edited list: ops[i] comes from original op orig[i] (possibly changed,
 * say a smaller count), refs as resolved on the original. Renumbers every
 * index so it names the same block; ops whose block no longer exists are
 * dropped. Writes the result to out (room for n ops) and, when out_orig is
 * not NULL, each result op's original index; returns the result's length. */
size_t pa_ops_renumber(const pa_op *ops, const size_t *orig, size_t n,
                       const pa_block_ref *refs, pa_op *out, size_t *out_orig);

#endif
