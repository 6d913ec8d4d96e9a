/* Renumbering op lists after edits. */
#include "op_edit.h"

#include <stdlib.h>
#include <string.h>

static pa_block_ref make_ref(size_t op, size_t k) { return ((pa_block_ref)op << 12) | k; }

/* The live set as block identities, following pa_op_effect_of. */
typedef struct live {
    pa_block_ref *v;
    size_t n;
} live;

static void apply(live *l, const pa_op *op, const pa_op_effect *e, size_t orig) {
    (void)op;
    if (e->clear) {
        l->n = 0;
        return;
    }
    if (e->nremove) {
        size_t out = e->remove[0], k = 0;
        for (size_t i = e->remove[0]; i < l->n; i++) {
            if (k < e->nremove && e->remove[k] == i) {
                k++;
                continue;
            }
            l->v[out++] = l->v[i];
        }
        l->n = out;
    }
    for (size_t k = 0; k < e->nadd; k++)
        l->v[l->n++] = make_ref(orig, k);
}

int pa_ops_resolve(const pa_op *ops, size_t nops, pa_block_ref *refs) {
    live l = {malloc(PA_LIVE_MAX * sizeof(pa_block_ref)), 0};
    if (!l.v)
        return -1;
    pa_op_effect e;
    for (size_t i = 0; i < nops; i++) {
        pa_op_effect_of(&ops[i], l.n, &e);
        refs[i] = e.slot == SIZE_MAX ? PA_NO_BLOCK : l.v[e.slot];
        apply(&l, &ops[i], &e, i);
    }
    free(l.v);
    return 0;
}

size_t pa_ops_renumber(const pa_op *ops, const size_t *orig, size_t n,
                       const pa_block_ref *refs, pa_op *out, size_t *out_orig) {
    live l = {malloc(PA_LIVE_MAX * sizeof(pa_block_ref)), 0};
    if (!l.v)
        return 0;
    size_t m = 0;
    pa_op_effect e;
    for (size_t i = 0; i < n; i++) {
        pa_op op = ops[i];
        pa_block_ref want = refs[orig[i]];
        if (want != PA_NO_BLOCK) {
            size_t pos = SIZE_MAX;
            for (size_t k = 0; k < l.n; k++)
                if (l.v[k] == want) {
                    pos = k;
                    break;
                }
            if (pos == SIZE_MAX)
                continue; /* its block is gone: so is the op */
            op.idx = (uint16_t)pos;
        }
        pa_op_effect_of(&op, l.n, &e);
        apply(&l, &op, &e, orig[i]);
        if (out_orig)
            out_orig[m] = orig[i];
        out[m++] = op;
    }
    free(l.v);
    return m;
}
