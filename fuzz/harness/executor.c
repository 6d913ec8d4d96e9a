/* The executor: ops on a heap, the shadow model as oracle, the invariant
 * checker after every op, a drain-and-account teardown. Its parts:
 * exec_check.c (the checks), exec_alloc.c (allocation and freeing ops),
 * exec_misuse.c (fault and misuse ops), exec_failure.c (the report). */
#include "exec_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op_watch.h"
#include "poolalloc/stats.h"

/* ---- heap lifetime -------------------------------------------------- */

/* The heap pa_heap_create just made, or its failure (errno err) reported. */
static int created(exec *ex, int err) {
    if (!ex->heap) {
        char why[200];
        pa_config_validate(&ex->cfg, why, sizeof why);
        return ex_fail(ex, "HEAP_CREATE", "pa_heap_create failed (errno %d): %s", err, why[0] ? why : "no reason given");
    }
    if (pa_heap_config(ex->heap)->small_threshold != ex->cfg.small_threshold)
        return ex_fail(ex, "CONFIG_CHANGED", "the heap runs with threshold %zu, asked for %zu",
                    pa_heap_config(ex->heap)->small_threshold, ex->cfg.small_threshold);
    return 0;
}

static int create_heap(exec *ex) {
    ex->heap = pa_heap_create(&ex->cfg);
    return created(ex, errno);
}

static int destroy_heap(exec *ex, size_t expect_live) {
    size_t live = pa_heap_destroy(ex->heap);
    ex->heap = NULL;
    if (!ex_count_ok(ex, live, expect_live))
        return ex_fail(ex, "DESTROY_COUNT", "pa_heap_destroy reported %zu live blocks, the shadow holds %zu",
                    live, expect_live);
    /* a region whose unmap the OS refused stays mapped: the heap may retry
     * or let it go, so only what failed unmaps covered may be left */
    if (ex->os.bytes_mapped > ex->unmap_failed_bytes || ex->os.regions > ex->os.failures[PA_OS_UNMAP])
        return ex_fail(ex, "OS_LEAK",
                    "after destroy the OS layer still has %zu bytes in %zu regions mapped (%llu failed unmaps of %zu bytes excuse that much)",
                    ex->os.bytes_mapped, ex->os.regions, (unsigned long long)ex->os.failures[PA_OS_UNMAP],
                    ex->unmap_failed_bytes);
    if (ex->large.blocks || ex->large.bytes)
        return ex_fail(ex, "LARGE_LEAK", "after destroy the large path still holds %zu blocks, %zu bytes",
                    ex->large.blocks, ex->large.bytes);
    return 0;
}

/* The next heap, made first under the map faults armed before the destroy
 * (they apply to its creation only): refused, pa_heap_create returns NULL
 * with ENOMEM, having given back what it mapped (the checker compares the
 * OS layer's mappings with the heap's at the next check), and the heap is
 * then made without them. Every map pa_heap_create makes (the heap, the
 * ownership map's root, a debug heap's quarantine) is one it needs, so a
 * heap made though one was refused runs without it. */
static int recreate_heap(exec *ex, unsigned map_nth, unsigned map_ops) {
    ex->fault_nth[PA_OS_MAP] = map_nth;
    ex->fault_ops[PA_OS_MAP] = map_ops;
    uint64_t fired = ex->faults_fired;
    errno = 0;
    ex->heap = pa_heap_create(&ex->cfg);
    int err = errno;
    ex_faults_disarm(ex);
    uint64_t refused = ex->faults_fired - fired;
    if (ex->heap)
        ex_doctor(ex, PA_SITE_CREATE_REFUSED, &refused);
    if (ex->heap && refused)
        return ex_fail(ex, "HEAP_CREATE_FAULT_IGNORED",
                       "pa_heap_create made a heap (debug %d, quarantine %u) though %llu of its maps were refused",
                       ex->cfg.debug, ex->cfg.debug_quarantine, (unsigned long long)refused);
    if (ex->heap || !refused)
        return created(ex, err);
    ex_doctor(ex, PA_SITE_HUGE_ERRNO, &err);
    if (err != ENOMEM)
        return ex_fail(ex, "WRONG_ERRNO", "pa_heap_create, a map refused, returned NULL with errno %d, expected %d", err,
                       ENOMEM);
    return create_heap(ex);
}

static int do_destroy(exec *ex) {
    if (ex_sweep_contents(ex, "before destroy"))
        return -1;
    unsigned map_nth = ex->fault_nth[PA_OS_MAP], map_ops = ex->fault_ops[PA_OS_MAP];
    ex_faults_disarm(ex); /* destroy must give everything back */
    size_t live = ex->sh.nsmall + ex->sh.nlarge;
    pa_shadow_clear(&ex->sh);
    ex->live_bytes = 0;
    if (destroy_heap(ex, live))
        return -1;
    /* what failed unmaps left is the harness's to give back: the next heap
     * starts on a clean OS layer (the checker compares its mappings) */
    if (ex->os.regions) {
        pa_os_tracker_release(&ex->track);
        pa_os_counter_init(&ex->os, &ex->tracked);
        ex->os.should_fail = ex_fault_should_fail;
        ex->os.fail_ctx = ex;
        ex->unmap_failed_bytes = 0;
    }
    ex->st->destroys++;
    return recreate_heap(ex, map_nth, map_ops);
}

static int do_free_all(exec *ex) {
    ex_policy_mark m;
    ex_policy_before(ex, &m);
    if (ex_free_everything(ex, "free_all")) {
        free(m.arenas);
        return -1;
    }
    return ex_policy_after_free_all(ex, &m);
}

/* ---- one op --------------------------------------------------------- */

/* What a handler gets: the op, its effect on the live set (pa_op_effect_of)
 * and its size operand in bytes under the heap's configuration. */
typedef struct step {
    const pa_op *op;
    pa_op_effect e;
    size_t size;
} step;

static int run_malloc(exec *ex, const step *s) { return s->e.nadd ? ex_malloc(ex, s->size) : 0; }

static int run_calloc(exec *ex, const step *s) { return s->e.nadd ? ex_calloc(ex, s->op->arg, s->size) : 0; }

static int run_memalign(exec *ex, const step *s) { return s->e.nadd ? ex_memalign(ex, s->op->arg, s->size) : 0; }

static int run_alloc_many(exec *ex, const step *s) {
    for (size_t i = 0; i < s->e.nadd; i++)
        if (ex_malloc(ex, s->size))
            return -1;
    return 0;
}

static int run_realloc(exec *ex, const step *s) {
    if (s->e.slot == SIZE_MAX && !s->e.nadd)
        return 0;
    return ex_realloc(ex, s->e.slot, s->size);
}

static int run_grow(exec *ex, const step *s) {
    if (s->e.slot == SIZE_MAX)
        return 0;
    return ex_realloc(ex, s->e.slot, pa_grow_size(ex->sh.slots[s->e.slot].req, s->op->arg));
}

static int run_shrink(exec *ex, const step *s) {
    if (s->e.slot == SIZE_MAX)
        return 0;
    return ex_realloc(ex, s->e.slot, pa_shrink_size(ex->sh.slots[s->e.slot].req, s->op->arg));
}

static int run_free(exec *ex, const step *s) {
    if (s->e.slot == SIZE_MAX) {
        pa_heap_free(ex->heap, NULL);
        return 0;
    }
    return ex_remove_slots(ex, &s->e, "free");
}

static int run_free_range(exec *ex, const step *s) { return ex_remove_slots(ex, &s->e, "free_range"); }

static int run_usable(exec *ex, const step *s) {
    if (s->e.slot == SIZE_MAX)
        return 0;
    const pa_shadow_block *b = &ex->sh.slots[s->e.slot];
    size_t u = pa_heap_usable_size(ex->heap, b->p);
    if (!b->p && u)
        return ex_fail(ex, "USABLE_NULL", "usable_size(NULL) is %zu, not 0", u);
    if (b->p && u != b->usable)
        return ex_fail(ex, "USABLE_CHANGED", "usable size of b%llu at %p is %zu, was %zu",
                       (unsigned long long)b->serial, b->p, u, b->usable);
    return 0;
}

static int run_write(exec *ex, const step *s) {
    if (s->e.slot == SIZE_MAX)
        return 0;
    pa_shadow_block *b = &ex->sh.slots[s->e.slot];
    if (!b->p)
        return 0;
    if (ex_check_block(ex, b, s->e.slot, b->req, "before write"))
        return -1;
    ex_fill_block(ex, b);
    ex_touch(ex, b->p);
    return 0;
}

static int run_check(exec *ex, const step *s) {
    (void)s;
    return ex->unchanged ? 0 : ex_check_full(ex, 0);
}

static int run_stats(exec *ex, const step *s) {
    (void)s;
    return ex_check_counts(ex);
}

static int run_stats_print(exec *ex, const step *s) {
    (void)s;
    return ex_check_counts(ex) ? -1 : ex_check_stats_print(ex);
}

static int run_huge(exec *ex, const step *s) {
    size_t slot = pa_huge_call_of(s->op->arg) == PA_HUGE_ALIGN ? (s->e.nadd ? 0 : SIZE_MAX) : s->e.slot;
    return ex_huge(ex, s->op->arg, slot);
}

static int run_cache(exec *ex, const step *s) { return ex_cache(ex, s->size, s->op->arg, pa_cache_count(s->op->step)); }

static int run_default_heap(exec *ex, const step *s) { return ex_default_heap(ex, s->size, s->op->arg); }

static int run_free_all(exec *ex, const step *s) {
    (void)s;
    return do_free_all(ex) ? -1 : ex_check_full(ex, 0);
}

static int run_destroy(exec *ex, const step *s) {
    (void)s;
    return do_destroy(ex) ? -1 : ex_check_full(ex, 0);
}

/* The next heap with the debug layer on or off: made as destroy makes it,
 * under the map faults armed before. */
static int run_remake(exec *ex, const step *s) {
    ex->cfg.debug = pa_remake_debug(s->op->arg);
    ex->cfg.debug_quarantine = ex->cfg.debug ? pa_remake_quarantine(s->op->arg) : 0;
    return do_destroy(ex) ? -1 : ex_check_full(ex, 0);
}

static int run_corrupt(exec *ex, const step *s) { return ex_corrupt(ex, s->op, &s->e); }

static int run_fault(exec *ex, const step *s) {
    ex_fault(ex, s->op);
    return 0;
}

_Static_assert(PA_PLACE_OP_KINDS == PA_PLACE_KINDS, "the place op names every placement of the OS layer");

static int run_place(exec *ex, const step *s) {
    pa_os_placer_set(&ex->place, (pa_place_kind)pa_place_kind_of(s->op->arg), s->op->step);
    return 0;
}

static int run_misuse(exec *ex, const step *s) { return ex_misuse(ex, s->op, &s->e); }

/* thread ops are the interleave target's alone (exec_threads.c): no
 * target this executor runs decodes them */
static int run_thread(exec *ex, const step *s) {
    (void)ex;
    (void)s;
    return 0;
}

static int run_nop(exec *ex, const step *s) {
    (void)ex;
    (void)s;
    return 0;
}

/* One handler per row of the op table (ops.h). */
static int (*const HANDLERS[PA_OP_KINDS])(exec *ex, const step *s) = {
#define PA_OP_HANDLER(kind, name, code, size, idx, arg, step) [PA_OP_##kind] = run_##name,
    PA_OP_LIST(PA_OP_HANDLER)
#undef PA_OP_HANDLER
};

static int run_op(exec *ex, const pa_op *op) {
    if (op->kind >= PA_OP_KINDS)
        return 0;
    step s; /* not zeroed: the effect is 2 KiB, and pa_op_effect_of fills it */
    s.op = op;
    s.size = pa_size_eval(op->size, &ex->cfg);
    pa_op_effect_of(op, ex->sh.n, &s.e);
    return HANDLERS[op->kind](ex, &s);
}

/* ---- the run -------------------------------------------------------- */

/* Ops that make no call into the heap and write no block: the state a
 * passing check saw before them is still there after them. */
static int leaves_heap_alone(uint8_t kind) { return kind == PA_OP_CHECK || kind == PA_OP_NOP; }

static int teardown(exec *ex) {
    ex_faults_disarm(ex);
    if (ex->other) {
        size_t live = pa_heap_destroy(ex->other);
        ex->other = NULL;
        ex->unchanged = 0; /* the process-wide arena map changed */
        if (live)
            return ex_fail(ex, "DESTROY_COUNT", "the second heap still had %zu live blocks", live);
    }
    /* ex_free_everything verifies every block's contents: the sweep at the end */
    if ((!ex->unchanged && ex_check_full(ex, 0)) || ex_check_counts(ex))
        return -1;
    ex->unchanged = 0;
    if (ex_free_everything(ex, "teardown"))
        return -1;
    ex->live_bytes = 0;
    if (ex_check_full(ex, 0) || ex_check_counts(ex))
        return -1;
    return destroy_heap(ex, 0);
}

/* The harness's own buffers outlive a run: fuzzers run inputs by the
 * thousand, the buffers are the same size every time, and a fresh set costs
 * more than a short input (under ASan, mappings and poisoning). One set is
 * kept; a nested run (none today) would get its own. */
static struct {
    pa_check_report *rep, *ghost_rep;
    const void **live_list;
    size_t *live_sizes;
    pa_shadow sh;
    int in_use;
} kept;

/* The mappings a run gives back outlive it as well, held (bounded) under
 * the placer for the next run's heap, and given back at exit. */
static os_recycler recycled;

static void recycled_drain(void) { pa_os_recycler_drain(&recycled); }

static pa_os_ops placer_over_recycled(os_placer *p) {
    static int ready;
    if (!ready) {
        pa_os_recycler_init(&recycled);
        atexit(recycled_drain);
        ready = 1;
    }
    return pa_os_placer_init_over(p, &recycled);
}

static void buffers_free(exec *ex) {
    pa_check_report_free(ex->rep);
    pa_check_report_free(ex->ghost_rep);
    free(ex->live_list);
    free(ex->live_sizes);
    pa_shadow_free(&ex->sh);
    ex->rep = ex->ghost_rep = NULL;
    ex->live_list = NULL;
    ex->live_sizes = NULL;
}

int ex_buffers_take(exec *ex) {
    if (kept.rep && !kept.in_use) {
        kept.in_use = 1;
        ex->rep = kept.rep;
        ex->ghost_rep = kept.ghost_rep;
        ex->live_list = kept.live_list;
        ex->live_sizes = kept.live_sizes;
        ex->sh = kept.sh;
        pa_check_report_clear(ex->rep);
        pa_shadow_restart(&ex->sh);
        return 0;
    }
    ex->rep = pa_check_report_new();
    ex->ghost_rep = pa_check_report_new();
    ex->live_list = malloc(PA_LIVE_MAX * sizeof *ex->live_list);
    ex->live_sizes = malloc(PA_LIVE_MAX * sizeof *ex->live_sizes);
    if (ex->rep && ex->ghost_rep && ex->live_list && ex->live_sizes && pa_shadow_init(&ex->sh) == 0)
        return 0;
    buffers_free(ex);
    return -1;
}

void ex_buffers_give_back(exec *ex) {
    if (kept.in_use && ex->rep == kept.rep) {
        kept.sh = ex->sh; /* the shadow's counters travel by value */
        kept.in_use = 0;
    } else if (!kept.rep && ex->rep) {
        kept.rep = ex->rep;
        kept.ghost_rep = ex->ghost_rep;
        kept.live_list = ex->live_list;
        kept.live_sizes = ex->live_sizes;
        kept.sh = ex->sh;
    } else {
        buffers_free(ex);
    }
}

int pa_exec_run(const pa_config *cfg, const pa_op *ops, size_t nops,
                const pa_exec_options *opt, pa_exec_failure *f, pa_exec_stats *st) {
    static const pa_exec_options defaults = {0, 0, NULL, NULL, NULL, NULL};
    pa_exec_stats st_local;
    exec ex;
    memset(&ex, 0, sizeof ex);
    memset(f, 0, sizeof *f);
    if (!st)
        st = &st_local;
    memset(st, 0, sizeof *st);
    ex.f = f;
    ex.st = st;
    ex.opt = opt ? opt : &defaults;
    ex.op_index = SIZE_MAX;
    FILE *log = ex.opt->log ? ex.opt->log : stderr;

    ex.cfg = *cfg;
    ex.cfg.on_misuse = ex_on_misuse;
    ex.cfg.misuse_ctx = &ex;
    ex.tracked = pa_os_tracker_init_over(&ex.track, placer_over_recycled(&ex.place));
    pa_os_counter_init(&ex.os, &ex.tracked);
    ex.os.should_fail = ex_fault_should_fail;
    ex.os.fail_ctx = &ex;
    ex.cfg.os = pa_os_counter_ops(&ex.os);
    ex_default_misuse_begin(&ex);
    pa_large_counter_init(&ex.large, &cfg->large);
    ex.cfg.large = pa_large_counter_ops(&ex.large);
    int rc = -1;
    if (ex_buffers_take(&ex)) {
        snprintf(f->kind, sizeof f->kind, "HARNESS_ENOMEM");
        snprintf(f->place, sizeof f->place, "setup");
        snprintf(f->detail, sizeof f->detail, "the harness could not allocate its own state");
        f->failed = 1;
        goto out;
    }
    if (create_heap(&ex))
        goto out;
    for (size_t i = 0; i < nops; i++) {
        ex.op_index = i;
        ex.op = &ops[i];
        pa_op_watch_op(i, nops, &ops[i], &ex.cfg);
        ex.ntouched = 0;
        ex.faults_at_op_start = ex.faults_fired;
        if (!leaves_heap_alone(ops[i].kind))
            ex.unchanged = ex.swept = 0;
        if (ex.opt->trace) {
            char line[200];
            pa_op_format(line, sizeof line, &ops[i], &ex.cfg);
            fprintf(log, "op %zu: %s\n", i, line);
        }
        ex_retention_mark kept;
        ex_retention_before(&ex, &ops[i], &kept);
        if (run_op(&ex, &ops[i]) || ex_misuse_unexpected(&ex) || ex_retention_after(&ex, &kept))
            goto out;
        for (int r = 0; r < PA_OS_REQUEST_KINDS; r++)
            if (ex.fault_ops[r])
                ex.fault_ops[r]--;
        if (ex.opt->tamper) {
            ex.opt->tamper(ex.opt->tamper_ctx, i, ex.heap, &ex.sh);
            ex.unchanged = ex.swept = 0; /* a test broke something on purpose */
        }
        if (ex_check_locks(&ex, "the op"))
            goto out;
        if (ex.sh.n > st->max_live)
            st->max_live = ex.sh.n;
        /* after a passing full check the incremental one would look again at
         * a part of what that looked at */
        if (!ex.unchanged && ex_check_incremental(&ex))
            goto out;
        if (ex.opt->full_every_step ? ex_check_full(&ex, 1) || ex_check_counts(&ex)
                                    : (i + 1) % PA_SWEEP_OPS == 0 && !ex.swept &&
                                          ex_sweep_contents(&ex, "content sweep"))
            goto out;
        st->ops_run++;
    }
    ex.op_index = nops;
    ex.op = NULL;
    pa_op_watch_teardown(nops);
    if (teardown(&ex) || ex_misuse_unexpected(&ex))
        goto out;
    rc = 0;
out:
    pa_op_watch_idle();
    ex_default_misuse_end();
    ex_faults_disarm(&ex);
    if (ex.other)
        pa_heap_destroy(ex.other);
    if (ex.heap)
        pa_heap_destroy(ex.heap);
    pa_os_tracker_release(&ex.track);
    ex_buffers_give_back(&ex);
    return rc ? 1 : 0;
}
