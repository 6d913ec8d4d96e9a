/* Unit tests of the trace replay (fuzz/tools/trace_exec.c, range_set.c,
 * granule_set.c): the range set and the granule set agree with a
 * brute-force model, every oracle rule that can
 * be provoked from outside the allocator fires with its message when its
 * property is broken on purpose (block contents between ops, or a large
 * path that misbehaves), and what cannot be replayed exactly is counted per
 * op kind; the reading thread (trace_pipe.c) hands over every op in order
 * and stops where the reader does. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PA_FUZZ_TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

#include "granule_set.h"
#include "range_set.h"
#include "trace_exec.h"
#include "trace_format.h"
#include "trace_pipe.h"
#include "trace_prefetch.h"
#include "trace_sweep.h"
#include "pattern.h"

#include "expect.h"

static int starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* ---- the range set against a list ------------------------------------- */

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint64_t rnd(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void test_range_set(void) {
    enum { N = 3000 };
    static pa_range model[N];
    size_t n = 0;
    pa_range_set s;
    pa_range_set_init(&s);
    for (int step = 0; step < 60000; step++) {
        if (n && rnd() % 2) {
            size_t k = rnd() % n;
            EXPECT(pa_range_set_release(&s, model[k].lo) == 0, "release of a held range at %#lx failed",
                   (unsigned long)model[k].lo);
            model[k] = model[--n];
            continue;
        }
        /* mostly small ranges, some spanning hundreds of others */
        uintptr_t lo = 4096 + rnd() % 100000, hi = lo + 1 + rnd() % (rnd() % 16 ? 64 : 6000);
        const pa_range *hit = NULL;
        for (size_t k = 0; k < n && !hit; k++)
            if (model[k].lo < hi && lo < model[k].hi)
                hit = &model[k];
        pa_range clash;
        int rc = pa_range_set_claim(&s, lo, hi, (uint64_t)step, &clash);
        if (hit) {
            EXPECT(rc == 1, "[%#lx, %#lx) overlaps [%#lx, %#lx) but was claimed", (unsigned long)lo,
                   (unsigned long)hi, (unsigned long)hit->lo, (unsigned long)hit->hi);
            EXPECT(rc != 1 || (clash.lo < hi && lo < clash.hi), "the clash named does not overlap");
        } else if (n < N) {
            EXPECT(rc == 0, "[%#lx, %#lx) overlaps nothing but was refused", (unsigned long)lo, (unsigned long)hi);
            model[n++] = (pa_range){lo, hi, (uint64_t)step};
        } else {
            pa_range_set_release(&s, lo);
        }
    }
    EXPECT(s.n == n, "the set holds %zu ranges, the model %zu", s.n, n);
    EXPECT(pa_range_set_release(&s, 1) == -1, "a range that was never claimed was released");
    pa_range_set_free(&s);
}

/* ---- the granule set against a list ----------------------------------- */

/* A range on the granule set's terms: 8-byte aligned starts, mostly pool
 * sizes, some crossing a chunk (256 KiB), some wide enough for its tree. */
static pa_range granule_range(void) {
    uintptr_t lo = 0x7f0000000000ull + 8 * (rnd() % (3u << 19));
    uint64_t kind = rnd() % 64, size = kind < 56 ? 1 + rnd() % 512 : kind < 60 ? 1 + rnd() % 6000
                                                 : kind < 63 ? 200000 + rnd() % 200000 : 600000 + rnd() % 2000000;
    return (pa_range){lo, lo + size, 0};
}

static int by_address(const void *a, const void *b) {
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

static void test_granule_set(void) {
    enum { N = 2000 };
    static pa_range model[N];
    size_t n = 0;
    pa_granule_set s;
    EXPECT(pa_granule_set_init(&s, 12) == -1, "a granule of 12 bytes was taken");
    EXPECT(pa_granule_set_init(&s, 8) == 0, "a granule of 8 bytes was refused");
    for (int step = 0; step < 40000; step++) {
        if (n && rnd() % 2) {
            size_t k = rnd() % n;
            EXPECT(pa_granule_set_release(&s, model[k].lo + 8, model[k].hi) == -1,
                   "a release inside the held range at %#lx was taken", (unsigned long)model[k].lo);
            EXPECT(pa_granule_set_release(&s, model[k].lo, model[k].hi) == 0, "release of a held range at %#lx failed",
                   (unsigned long)model[k].lo);
            model[k] = model[--n];
            continue;
        }
        pa_range r = granule_range();
        const pa_range *hit = NULL;
        for (size_t k = 0; k < n && !hit; k++)
            if (model[k].lo < r.hi && r.lo < model[k].hi)
                hit = &model[k];
        uintptr_t clo = 0, chi = 0;
        int rc = pa_granule_set_claim(&s, r.lo, r.hi, &clo, &chi);
        if (hit) {
            EXPECT(rc == 1, "[%#lx, %#lx) overlaps [%#lx, %#lx) but was claimed", (unsigned long)r.lo,
                   (unsigned long)r.hi, (unsigned long)hit->lo, (unsigned long)hit->hi);
            int named = 0;
            for (size_t k = 0; k < n; k++)
                named |= model[k].lo == clo && clo < r.hi && r.lo < chi && chi >= model[k].hi;
            EXPECT(rc != 1 || named, "the clash named, [%#lx, %#lx), is not a held range that overlaps",
                   (unsigned long)clo, (unsigned long)chi);
        } else if (n < N) {
            EXPECT(rc == 0, "[%#lx, %#lx) overlaps nothing but was refused (%d)", (unsigned long)r.lo,
                   (unsigned long)r.hi, rc);
            model[n++] = r;
        } else if (rc == 0) {
            pa_granule_set_release(&s, r.lo, r.hi);
        }
    }
    EXPECT(s.n == n, "the set holds %zu ranges, the model %zu", s.n, n);
    static uintptr_t starts[N], want[N];
    for (size_t k = 0; k < n; k++)
        want[k] = model[k].lo;
    qsort(want, n, sizeof *want, by_address);
    size_t listed = pa_granule_set_starts(&s, starts);
    EXPECT(listed == n && !memcmp(starts, want, n * sizeof *want),
           "the starts in address order (%zu of them) differ from the model's (%zu)", listed, n);
    EXPECT(pa_granule_set_claim(&s, 0x1004, 0x1010, NULL, NULL) == -1, "a start off the granule was taken");
    EXPECT(pa_granule_set_release(&s, 0x1000, 0x1010) == -1, "a range that was never claimed was released");
    while (n > 0) {
        n--;
        EXPECT(pa_granule_set_release(&s, model[n].lo, model[n].hi) == 0, "release at %#lx failed",
               (unsigned long)model[n].lo);
    }
    EXPECT(s.chunks.len == 0 && s.wide.n == 0, "empty, the set still holds %zu chunks and %zu wide ranges",
           s.chunks.len, s.wide.n);
    /* a range for the tree between two for the bitmaps is listed in its place */
    uintptr_t at = 0x7f1000000000ull, place[3] = {at, at + 0x200000, at + 0x400000};
    EXPECT(pa_granule_set_claim(&s, place[2], place[2] + 16, NULL, NULL) == 0 &&
               pa_granule_set_claim(&s, place[1], place[1] + (1u << 20), NULL, NULL) == 0 &&
               pa_granule_set_claim(&s, place[0], place[0] + 16, NULL, NULL) == 0 && s.wide.n == 1,
           "three ranges, one of them wide, were not all taken");
    listed = pa_granule_set_starts(&s, starts);
    EXPECT(listed == 3 && !memcmp(starts, place, sizeof place), "a wide range is not listed between its neighbours");
    pa_granule_set_free(&s);
}

/* ---- replays ------------------------------------------------------------ */

typedef void (*between_fn)(pa_trace_exec *x, uint64_t after_op, void *ctx);

/* Replays trace text; between(x, i, ctx) runs after op i. 0 passed, -1
 * failed (f filled; the caller frees it). */
static int run(const char *text, const pa_config *cfg, uint64_t full_every, between_fn between, void *ctx,
               pa_replay_failure *f, pa_replay_stats *st) {
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    pa_trace_reader *r = pa_trace_reader_new(in, "t");
    pa_config def = pa_config_default();
    pa_trace_exec *x = pa_trace_exec_new(cfg ? cfg : &def, full_every, f);
    int rc = x ? 0 : -1;
    pa_trace_op op;
    char err[256];
    while (!rc && pa_trace_reader_next(r, &op, err, sizeof err) == 1) {
        rc = pa_trace_exec_op(x, &op, pa_trace_reader_line(r), f);
        if (!rc && between)
            between(x, pa_trace_exec_stats(x)->ops - 1, ctx);
    }
    if (!rc)
        rc = pa_trace_exec_finish(x, f);
    if (x && st)
        *st = *pa_trace_exec_stats(x);
    pa_trace_exec_free(x);
    pa_trace_reader_free(r);
    fclose(in);
    return rc;
}

static void expect_failure(const char *text, const pa_config *cfg, uint64_t full_every, between_fn between,
                           void *ctx, const char *kind, const char *detail_start) {
    pa_replay_failure f;
    int rc = run(text, cfg, full_every, between, ctx, &f, NULL);
    EXPECT(rc == -1 && !strcmp(f.kind, kind), "expected %s, got %s (%s)", kind, rc ? f.kind : "a pass",
           rc ? f.detail : "");
    if (rc == -1)
        EXPECT(starts_with(f.detail, detail_start), "%s: detail '%s' does not start with '%s'", kind, f.detail,
               detail_start);
    pa_replay_failure_free(&f);
}

/* Flip byte `at` of the block with ID 1 after op `after`. */
typedef struct damage {
    uint64_t after;
    size_t at;
    uint8_t value;
} damage;

static void damage_block(pa_trace_exec *x, uint64_t op, void *ctx) {
    const damage *d = ctx;
    uint8_t *p = pa_trace_exec_block(x, 1);
    if (op == d->after && p)
        p[d->at] = d->value;
}

/* Remember the block of ID 1; once it is freed (op 2), overwrite its
 * freelist link. */
typedef struct freed_link {
    unsigned char *p;
} freed_link;

static void smash_freed_link(pa_trace_exec *x, uint64_t op, void *ctx) {
    freed_link *fl = ctx;
    if (op == 0)
        fl->p = pa_trace_exec_block(x, 1);
    if (op == 2) {
#ifdef PA_FUZZ_TEST_ASAN
        ASAN_UNPOISON_MEMORY_REGION(fl->p, sizeof(void *)); /* the heap poisons what it frees */
#endif
        memset(fl->p, 0x41, sizeof(void *));
    }
}

/* A large path that serves from a static arena: each failure mode breaks
 * one promise. */
enum large_fault { LARGE_OK, LARGE_NO_COPY, LARGE_SAME_BLOCK, LARGE_MISALIGN, LARGE_DIRTY_ZEROED };
typedef struct bad_large {
    enum large_fault fault;
    _Alignas(4096) unsigned char arena[1 << 21];
    size_t used;
} bad_large;

static void *bad_alloc(void *ctx, size_t size, size_t alignment) {
    bad_large *b = ctx;
    size_t start = b->fault == LARGE_SAME_BLOCK ? 0 : (b->used + alignment - 1) & ~(alignment - 1);
    if (b->fault == LARGE_MISALIGN)
        start += 8;
    if (start + size > sizeof b->arena) {
        errno = ENOMEM;
        return NULL;
    }
    b->used = start + size;
    return b->arena + start;
}

static void *bad_alloc_zeroed(void *ctx, size_t size, size_t alignment) {
    bad_large *b = ctx;
    unsigned char *p = bad_alloc(ctx, size, alignment);
    if (p)
        memset(p, b->fault == LARGE_DIRTY_ZEROED ? 0x5a : 0, size);
    return p;
}

/* No copy with LARGE_NO_COPY: the new block's bytes are whatever was there. */
static void *bad_resize(void *ctx, void *p, size_t old_size, size_t new_size) {
    bad_large *b = ctx;
    unsigned char *q = bad_alloc(ctx, new_size, 64);
    if (q && b->fault != LARGE_NO_COPY)
        memcpy(q, p, old_size < new_size ? old_size : new_size);
    else if (q)
        memset(q, 0, new_size);
    return q;
}

static void bad_free(void *ctx, void *p, size_t size) { (void)ctx, (void)p, (void)size; }

static pa_config with_large(bad_large *b, enum large_fault fault) {
    b->fault = fault;
    b->used = 0;
    pa_config cfg = pa_config_default();
    cfg.large = (pa_large_ops){bad_alloc, bad_resize, bad_free, b, bad_alloc_zeroed};
    return cfg;
}

/* Two blocks damaged before the full check, in chunks of the block table
 * far apart: whichever thread sweeps which end, the report names the one
 * first in the table. */
typedef struct two_damages {
    uint64_t after, first, second;
} two_damages;

static void damage_two(pa_trace_exec *x, uint64_t op, void *ctx) {
    const two_damages *d = ctx;
    if (op != d->after)
        return;
    ((uint8_t *)pa_trace_exec_block(x, d->first))[3] ^= 0x20;
    ((uint8_t *)pa_trace_exec_block(x, d->second))[5] ^= 0x20;
}

static void test_sweep_both_ends(void) {
    enum { BLOCKS = 20000 };
    size_t cap = BLOCKS * 16, len = 0;
    char *text = malloc(cap);
    for (int i = 1; i <= BLOCKS; i++)
        len += (size_t)snprintf(text + len, cap - len, "m %d 24\n", i);
    two_damages d = {BLOCKS - 2, 2, BLOCKS - 10};
    expect_failure(text, NULL, BLOCKS, damage_two, &d, "CONTENT_MISMATCH",
                   "full check: byte 3 of block ID 2 (24 bytes at ");
    d = (two_damages){BLOCKS - 2, BLOCKS - 10, BLOCKS - 9000};
    expect_failure(text, NULL, BLOCKS, damage_two, &d, "CONTENT_MISMATCH",
                   "full check: byte 5 of block ID 11000 (24 bytes at ");
    free(text);
}

/* The sweep's ends on a table of their own: each alone covers the whole
 * table, the verdict is the lowest damaged index whichever end met it, and
 * run at once the ends list every live block once between them. */
enum { SWEEP_SLOTS = 10000 };

typedef struct sweep_fixture {
    pa_trace_blocks t;
    const void *lists[2][SWEEP_SLOTS];
    size_t sizes[2][SWEEP_SLOTS];
    size_t live;
} sweep_fixture;

static void sweep_fixture_init(sweep_fixture *f) {
    pa_trace_blocks_init(&f->t);
    f->live = 0;
    for (uint64_t i = 0; i < SWEEP_SLOTS; i++) {
        pa_trace_block *b = pa_trace_blocks_take(&f->t, i, i + 1);
        if (i % 7 == 3) /* a slot whose ID died */
            continue;
        b->req = 16 + i % 50;
        b->seed = 0x9e3779b97f4a7c15ull * (i + 1) | 1;
        b->p = malloc(b->req);
        pa_pattern_fill(b->p, b->req, b->seed);
        f->live++;
    }
    ((uint8_t *)f->t.tab[100].p)[2] ^= 1;
    ((uint8_t *)f->t.tab[9001].p)[0] ^= 1;
}

static void sweep_fixture_free(sweep_fixture *f) {
    for (uint64_t i = 0; i < f->t.len; i++)
        free(f->t.tab[i].p);
    pa_trace_blocks_free(&f->t);
}

static void sweep_init(pa_trace_sweep *s, sweep_fixture *f) {
    pa_trace_sweep_init(s, &f->t, SWEEP_SLOTS, f->lists[0], f->sizes[0], f->lists[1], f->sizes[1]);
}

static void *sweep_back(void *s) {
    pa_trace_sweep_run(s, &((pa_trace_sweep *)s)->back);
    return NULL;
}

static void test_sweep_ends(void) {
    sweep_fixture *f = malloc(sizeof *f);
    sweep_fixture_init(f);
    pa_trace_sweep s;
    for (int back_first = 0; back_first < 2; back_first++) {
        sweep_init(&s, f);
        pa_trace_sweep_run(&s, back_first ? &s.back : &s.front);
        pa_trace_sweep_run(&s, back_first ? &s.front : &s.back);
        pa_trace_sweep_end *alone = back_first ? &s.back : &s.front, *late = back_first ? &s.front : &s.back;
        EXPECT(alone->n == f->live && late->n == 0, "%s alone: %zu and %zu live blocks, %zu expected",
               back_first ? "back" : "front", alone->n, late->n, f->live);
        EXPECT(alone->first_bad == 100 && pa_trace_sweep_first_bad(&s) == 100, "%s alone: first bad %llu",
               back_first ? "back" : "front", (unsigned long long)alone->first_bad);
    }
    s.front.first_bad = 9001;
    s.back.first_bad = 100;
    EXPECT(pa_trace_sweep_first_bad(&s) == 100, "the back end's lower index is the verdict");
    s.front.first_bad = 100;
    s.back.first_bad = 9001;
    EXPECT(pa_trace_sweep_first_bad(&s) == 100, "the front end's lower index is the verdict");
    for (int round = 0; round < 20; round++) {
        sweep_init(&s, f);
        pthread_t th;
        int threaded = pthread_create(&th, NULL, sweep_back, &s) == 0;
        pa_trace_sweep_run(&s, &s.front);
        if (threaded)
            pthread_join(th, NULL);
        EXPECT(s.front.n + s.back.n == f->live && pa_trace_sweep_first_bad(&s) == 100,
               "both ends: %zu + %zu live blocks of %zu, first bad %llu", s.front.n, s.back.n, f->live,
               (unsigned long long)pa_trace_sweep_first_bad(&s));
        if (s.front.n + s.back.n != f->live)
            continue;
        uintptr_t *all = malloc(f->live * sizeof *all);
        for (size_t i = 0; i < s.front.n; i++)
            all[i] = (uintptr_t)s.front.list[i];
        for (size_t i = 0; i < s.back.n; i++)
            all[s.front.n + i] = (uintptr_t)s.back.list[i];
        qsort(all, f->live, sizeof *all, by_address);
        size_t distinct = 1;
        for (size_t i = 1; i < f->live; i++)
            distinct += all[i] != all[i - 1];
        EXPECT(distinct == f->live, "both ends listed %zu distinct blocks of %zu", distinct, f->live);
        free(all);
    }
    sweep_fixture_free(f);
    free(f);
}

static void test_oracles_fire(void) {
    damage d = {0, 5, 0x77};
    expect_failure("m 1 100\nf 1\n", NULL, 0, damage_block, &d, "CONTENT_MISMATCH",
                   "free: byte 5 of block ID 1 (100 bytes at ");
    d = (damage){0, 7, 0xff};
    expect_failure("c 1 10 10\nf 1\n", NULL, 0, damage_block, &d, "CALLOC_NOT_ZERO",
                   "free: byte 7 of block ID 1 (100 bytes at ");
    /* the full check's sweep finds a block no op touches again */
    d = (damage){0, 3, 0x11};
    expect_failure("m 1 40\nm 2 8\nm 3 8\n", NULL, 2, damage_block, &d, "CONTENT_MISMATCH",
                   "full check: byte 3 of block ID 1 (40 bytes at ");
    d = (damage){0, 0, 0x11};
    expect_failure("m 1 40\nr 1 2 80\n", NULL, 0, damage_block, &d, "CONTENT_MISMATCH",
                   "before realloc: byte 0 of block ID 1 (40 bytes at ");
    /* the checker after every op: a freed block's freelist link made
     * garbage is followed by the next malloc of its class */
    freed_link fl = {NULL};
    pa_replay_failure f;
    int rc = run("m 1 40\nm 2 40\nf 1\nm 3 40\n", NULL, 0, smash_freed_link, &fl, &f, NULL);
    EXPECT(rc == -1 && starts_with(f.kind, "CHECK_") && starts_with(f.detail, "pa_check_incremental found"),
           "a smashed freelist link: %s (%s)", rc ? f.kind : "a pass", rc ? f.detail : "");
    EXPECT(rc == -1 && f.op_index == 3 && f.has_op, "reported at op %llu", (unsigned long long)f.op_index);
    pa_replay_failure_free(&f);

    static bad_large b;
    pa_config cfg = with_large(&b, LARGE_NO_COPY);
    expect_failure("m 1 20000\nr 1 2 40000\n", &cfg, 0, NULL, NULL, "REALLOC_PREFIX",
                   "realloc of ID 1 from 20000 to 40000 bytes (");
    cfg = with_large(&b, LARGE_SAME_BLOCK);
    expect_failure("m 1 20000\nm 2 20000\n", &cfg, 0, NULL, NULL, "OVERLAP", "malloc(20000) returned [");
    cfg = with_large(&b, LARGE_MISALIGN);
    expect_failure("m 1 20000\n", &cfg, 0, NULL, NULL, "MISALIGNED", "malloc(20000) returned ");
    cfg = with_large(&b, LARGE_DIRTY_ZEROED);
    expect_failure("c 1 1 20000\n", &cfg, 0, NULL, NULL, "CALLOC_NOT_ZERO", "calloc: byte 0 of block ID 1 (20000 bytes at ");
}

static void test_notes(void) {
    pa_replay_failure f;
    pa_replay_stats st;
    /* calls that returned NULL in the trace give blocks here; realloc(p, 0)
     * freed there, a minimal block here; a realloc that failed there */
    int rc = run("m 0 100\nc 0 2 50\na 0 64 100\nr 0 0 30\nm 1 10\nr 1 0 0\nm 2 10\nr 2 0 20\nf 2\n", NULL, 1, NULL,
                 NULL, &f, &st);
    EXPECT(rc == 0, "%s: %s", f.kind, f.detail);
    EXPECT(st.ops == 9 && st.not_replayed == 0, "%llu ops, %llu not replayed", (unsigned long long)st.ops,
           (unsigned long long)st.not_replayed);
    EXPECT(st.notes[PA_NOTE_BLOCK_WHERE_NULL][0] == 1 && st.notes[PA_NOTE_BLOCK_WHERE_NULL][1] == 1 &&
               st.notes[PA_NOTE_BLOCK_WHERE_NULL][4] == 1 && st.notes[PA_NOTE_BLOCK_WHERE_NULL][2] == 1,
           "blocks where the trace had NULL: m %llu c %llu a %llu r %llu",
           (unsigned long long)st.notes[PA_NOTE_BLOCK_WHERE_NULL][0],
           (unsigned long long)st.notes[PA_NOTE_BLOCK_WHERE_NULL][1],
           (unsigned long long)st.notes[PA_NOTE_BLOCK_WHERE_NULL][4],
           (unsigned long long)st.notes[PA_NOTE_BLOCK_WHERE_NULL][2]);
    EXPECT(st.notes[PA_NOTE_REALLOC_ZERO_BLOCK][2] == 1, "realloc(p, 0) not noted");
    EXPECT(st.notes[PA_NOTE_REALLOC_FAILED_THERE][2] == 1, "the realloc that failed in the trace not noted");
    /* calls that fail here: the op and the later ones on its ID are not
     * replayed, and said so */
    static bad_large b;
    pa_config cfg = with_large(&b, LARGE_OK);
    rc = run("m 1 4000000\nr 1 2 5000000\nf 2\nm 3 8\nf 3\n", &cfg, 1, NULL, NULL, &f, &st);
    EXPECT(rc == 0, "%s: %s", f.kind, f.detail);
    EXPECT(st.ops == 5 && st.not_replayed == 3, "%llu ops, %llu not replayed", (unsigned long long)st.ops,
           (unsigned long long)st.not_replayed);
    EXPECT(st.notes[PA_NOTE_NULL_HERE][0] == 1 && st.notes[PA_NOTE_LOST_ID][2] == 1 &&
               st.notes[PA_NOTE_LOST_ID][3] == 1,
           "NULL here m %llu, lost r %llu f %llu", (unsigned long long)st.notes[PA_NOTE_NULL_HERE][0],
           (unsigned long long)st.notes[PA_NOTE_LOST_ID][2], (unsigned long long)st.notes[PA_NOTE_LOST_ID][3]);
    /* a calloc whose size overflows fails in both */
    rc = run("c 0 4294967296 4294967296\n", NULL, 1, NULL, NULL, &f, &st);
    EXPECT(rc == 0 && st.not_replayed == 0 && st.notes[PA_NOTE_BLOCK_WHERE_NULL][1] == 0,
           "calloc overflow: rc %d, %s", rc, rc ? f.detail : "");
}

/* Ops whose slots the reader did not give: the table and the op disagree,
 * and the replay says so rather than free another block. */
static void test_wrong_slot(void) {
    pa_config cfg = pa_config_default();
    pa_replay_failure f;
    pa_trace_exec *x = pa_trace_exec_new(&cfg, 0, &f);
    pa_trace_op m1 = {.kind = PA_TRACE_MALLOC, .id = 1, .size = 24, .slot = 0};
    pa_trace_op m2 = {.kind = PA_TRACE_MALLOC, .id = 2, .size = 24, .slot = 1};
    pa_trace_op f1 = {.kind = PA_TRACE_FREE, .id = 1, .slot = 1};
    pa_trace_op f3 = {.kind = PA_TRACE_FREE, .id = 3, .slot = 7};
    EXPECT(!pa_trace_exec_op(x, &m1, 1, &f) && !pa_trace_exec_op(x, &m2, 2, &f), "two mallocs: %s", f.detail);
    EXPECT(pa_trace_exec_op(x, &f1, 3, &f) && !strcmp(f.kind, "HARNESS_SLOT") &&
               !strcmp(f.detail, "ID 1's slot 1 holds no block of it"),
           "ID 1 freed through ID 2's slot: %s (%s)", f.kind, f.detail);
    EXPECT(pa_trace_exec_op(x, &f3, 4, &f) && !strcmp(f.detail, "ID 3's slot 7 holds no block of it"),
           "a slot past the table: %s (%s)", f.kind, f.detail);
    pa_trace_exec_free(x);
}

/* Past the op language's limits: 6,000 live blocks, 150,000 ops. */
static void test_no_limits(void) {
    size_t cap = 150000 * 24, len = 0;
    char *text = malloc(cap);
    uint64_t id = 0;
    for (int round = 0; len + 200000 < cap; round++) {
        for (int i = 0; i < 6000; i++)
            len += (size_t)snprintf(text + len, cap - len, "m %llu %d\n", (unsigned long long)++id, 1 + (i * 37) % 700);
        for (int i = 0; i < 6000; i++)
            len += (size_t)snprintf(text + len, cap - len, "f %llu\n", (unsigned long long)(id - (uint64_t)i));
    }
    pa_replay_failure f;
    pa_replay_stats st;
    int rc = run(text, NULL, 65536, NULL, NULL, &f, &st);
    EXPECT(rc == 0, "%s: %s", f.kind, f.detail);
    EXPECT(st.ops == id * 2 && st.ops > 100000, "%llu ops replayed of %llu", (unsigned long long)st.ops,
           (unsigned long long)(id * 2));
    EXPECT(st.peak_live == 6000, "peak live %zu", st.peak_live);
    free(text);
}

/* ---- the reading thread ---------------------------------------------- */

/* text's ops through a pipe (at most max_ops; nvalid before the end or a
 * bad line): how many, in order, each with its line, and how the reading
 * ended (its error into err). */
static pa_trace_pipe_end piped(const char *text, uint64_t max_ops, uint64_t nvalid, uint64_t *nops, char *err,
                               size_t err_len) {
    FILE *in = fmemopen((void *)text, strlen(text), "r");
    pa_trace_reader *r = pa_trace_reader_new(in, "piped");
    pa_trace_pipe *p = pa_trace_pipe_start(r, max_ops);
    const pa_trace_op *op;
    unsigned long long line;
    pa_trace_pipe_end end;
    *nops = 0;
    while ((end = pa_trace_pipe_next(p, &op, &line, err, err_len)) == PA_PIPE_MORE) {
        ++*nops;
        /* line k + 1 holds "m k" or "f k - 2500" */
        uint64_t want = op->kind == PA_TRACE_MALLOC ? *nops : *nops - 2500;
        if (op->id != want || line != *nops)
            EXPECT(0, "op %llu: id %llu at line %llu", (unsigned long long)*nops, (unsigned long long)op->id, line);
        /* a peek sees the op 3 ahead, or nothing past its batch of 1,024 */
        const pa_trace_op *ahead = pa_trace_pipe_peek(p, 3);
        uint64_t last = max_ops && max_ops < nvalid ? max_ops : nvalid;
        int in_batch = (*nops - 1) % 1024 + 3 < 1024 && *nops + 3 <= last;
        if (in_batch && (!ahead || ahead->id != (*nops + 3 <= 2500 ? *nops + 3 : *nops + 3 - 2500)))
            EXPECT(0, "op %llu: the peek 3 ahead gave %s", (unsigned long long)*nops, ahead ? "another op" : "nothing");
        if (!in_batch && (*nops - 1) % 1024 + 3 >= 1024 && ahead)
            EXPECT(0, "op %llu: the peek 3 ahead went past the batch", (unsigned long long)*nops);
    }
    EXPECT(pa_trace_pipe_next(p, &op, &line, err, err_len) == end, "the end is told again");
    pa_trace_pipe_stop(p);
    pa_trace_reader_free(r);
    fclose(in);
    return end;
}

/* 2,500 mallocs, then their frees: five batches and a part. */
static void test_pipe(void) {
    size_t cap = 5000 * 16, len = 0;
    char *text = malloc(cap + 32);
    for (int i = 1; i <= 2500; i++)
        len += (size_t)snprintf(text + len, cap - len, "m %d 16\n", i);
    for (int i = 1; i <= 2500; i++)
        len += (size_t)snprintf(text + len, cap - len, "f %d\n", i);
    char err[512] = "";
    uint64_t n;
    EXPECT(piped(text, 0, 5000, &n, err, sizeof err) == PA_PIPE_END && n == 5000, "all: %llu ops", (unsigned long long)n);
    EXPECT(piped(text, 3000, 5000, &n, err, sizeof err) == PA_PIPE_MAX_OPS && n == 3000, "max 3000: %llu ops",
           (unsigned long long)n);
    EXPECT(piped(text, 2048, 5000, &n, err, sizeof err) == PA_PIPE_MAX_OPS && n == 2048, "max 2048: %llu ops",
           (unsigned long long)n);
    EXPECT(piped("", 0, 0, &n, err, sizeof err) == PA_PIPE_END && n == 0, "empty: %llu ops", (unsigned long long)n);
    /* a bad line after 4,000 ops: the ops before it, then its error */
    len = 0;
    for (int i = 1; i <= 2500; i++)
        len += (size_t)snprintf(text + len, cap - len, "m %d 16\n", i);
    for (int i = 1; i <= 1500; i++)
        len += (size_t)snprintf(text + len, cap - len, "f %d\n", i);
    snprintf(text + len, cap + 32 - len, "f 1\n");
    EXPECT(piped(text, 0, 4000, &n, err, sizeof err) == PA_PIPE_MALFORMED && n == 4000, "malformed: %llu ops",
           (unsigned long long)n);
    EXPECT(!strcmp(err, "piped:4001: f: ID 1 is not live"), "its error: %s", err);
    free(text);
}

/* Every free and realloc whose op 4 before it was in its batch finds its
 * block named in the prefetcher's ring when it runs: the hints fetch the
 * block the op will free, not another. */
static void test_prefetch(void) {
    enum { N = 3000 };
    size_t cap = 2 * N * 24, len = 0;
    char *text = malloc(cap);
    for (int i = 1; i <= N; i++)
        len += (size_t)snprintf(text + len, cap - len, "m %d %d\n", i, i % 300 + 1);
    for (int k = 0; k < N; k++) {
        int id = (int)((uint64_t)k * 1931 % N) + 1; /* every ID once, scattered */
        len += (size_t)snprintf(text + len, cap - len, k % 5 ? "f %d\n" : "r %d %d 40\n", id, id + N);
    }
    FILE *in = fmemopen(text, len, "r");
    pa_trace_reader *r = pa_trace_reader_new(in, "prefetched");
    pa_config cfg = pa_config_default();
    pa_replay_failure f;
    pa_trace_exec *x = pa_trace_exec_new(&cfg, 0, &f);
    pa_trace_pipe *p = pa_trace_pipe_start(r, 0);
    pa_trace_prefetch pf;
    pa_trace_exec_prefetch_init(x, &pf);
    pf.staged_from = 0; /* the table here is small */
    const pa_trace_op *op;
    unsigned long long line;
    char err[256];
    uint64_t t = 0, named = 0, wrong = 0, rc = 0;
    while (!rc && pa_trace_pipe_next(p, &op, &line, err, sizeof err) == PA_PIPE_MORE) {
        pa_trace_prefetch_step(&pf, p);
        uint64_t i = op->slot;
        if (op->kind != PA_TRACE_MALLOC && t % 1024 >= 4 && i < pf.blocks->len && pf.blocks->tab[i].small) {
            named++;
            if (pf.ahead[t % PA_TRACE_PREFETCH_AHEAD].p != (uintptr_t)pf.blocks->tab[i].p && !wrong++)
                EXPECT(0, "op %llu: the ring names %#lx, the op frees %p", (unsigned long long)t,
                       (unsigned long)pf.ahead[t % PA_TRACE_PREFETCH_AHEAD].p, pf.blocks->tab[i].p);
        }
        rc = (uint64_t)pa_trace_exec_op(x, op, line, &f);
        t++;
    }
    EXPECT(!rc && t == 2 * N, "replayed %llu ops (rc %llu)", (unsigned long long)t, (unsigned long long)rc);
    EXPECT(named > N * 9 / 10 && !wrong, "%llu of %llu frees and reallocs found another block named",
           (unsigned long long)wrong, (unsigned long long)named);
    if (!rc && pa_trace_exec_finish(x, &f))
        rc = 1;
    if (rc)
        pa_replay_failure_free(&f);
    pa_trace_pipe_stop(p);
    pa_trace_exec_free(x);
    pa_trace_reader_free(r);
    fclose(in);
    free(text);
}

int main(void) {
    test_range_set();
    test_granule_set();
    test_oracles_fire();
    test_sweep_both_ends();
    test_sweep_ends();
    test_notes();
    test_wrong_slot();
    test_no_limits();
    test_pipe();
    test_prefetch();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
