#define _POSIX_C_SOURCE 200112L
#include "pa_test.h"

#include <stdlib.h>
#include <string.h>

/* ---- failing, counting OS layer ---- */

static int test_os_should_fail(void *ctx, pa_os_request request, size_t size, uint64_t seq) {
    pa_test_os *t = ctx;
    (void)size;
    (void)seq;
    uint64_t n = t->seen[request]++;
    return t->fail[request] || n == t->fail_nth[request];
}

void pa_test_os_init(pa_test_os *t, const pa_os_ops *inner) {
    memset(t, 0, sizeof *t);
    pa_os_counter_init(&t->counter, inner);
    t->counter.should_fail = test_os_should_fail;
    t->counter.fail_ctx = t;
    for (int k = 0; k < PA_OS_REQUEST_KINDS; k++)
        t->fail_nth[k] = UINT64_MAX;
}

pa_config pa_test_config(pa_test_os *t, const pa_config *base) {
    pa_config c = base ? *base : pa_config_default();
    c.os = pa_os_counter_ops(&t->counter);
    return c;
}

pa_config pa_test_arena_config(pa_test_os *t, const pa_config *base) {
    pa_config c = pa_test_config(t, base);
    c.keep_spare_pools = 0;
    return c;
}

pa_config pa_test_compact_config(void) {
    pa_config c = pa_config_default();
    c.small_threshold = 512; /* 4 KiB pools hold 7 blocks of it */
    c.pool_size = 4096;
    c.arena_size = 16 * 4096;
    c.decommit = PA_DECOMMIT_NEVER;
    c.empty_arenas = PA_EMPTY_ARENA_KEEP_ALL;
    c.keep_spare_pools = 0; /* its tests count the pools arenas hold */
    return c;
}

pa_heap *pa_test_heap_create(const pa_config *cfg) {
    pa_heap *h = pa_heap_create(cfg);
    assert_non_null(h);
    return h;
}

/* ---- introspection helpers ---- */

size_t pa_test_class_capacity(const pa_heap *h, size_t cls) {
    pa_class_view v;
    assert_int_equal(pa_introspect_class(h, cls, &v), 0);
    return v.capacity;
}

size_t pa_test_class_of(const pa_heap *h, size_t size) {
    const pa_config *c = pa_heap_config(h);
    size_t n = pa_config_class_count(c), i = 0;
    while (i < n && pa_config_class_size(c, i) < size)
        i++;
    return i;
}

uintptr_t pa_test_pool_base(const pa_heap *h, const void *p) {
    return (uintptr_t)p & ~(uintptr_t)(pa_heap_config(h)->pool_size - 1);
}

size_t pa_test_usable_arenas(const pa_heap *h, uintptr_t *objects, size_t max) {
    pa_heap_view hv;
    pa_introspect_heap(h, &hv);
    size_t n = 0;
    uintptr_t prev = 0;
    for (uintptr_t o = hv.usable_arenas; o; n++) {
        pa_arena_view av;
        assert_int_equal(pa_introspect_arena(h, o, &av), 0);
        assert_true(n < max);
        assert_int_equal(av.prev, prev);
        objects[n] = o;
        prev = o;
        o = av.next;
    }
    return n;
}

size_t pa_test_live_arenas(const pa_heap *h, pa_arena_view *out, size_t max) {
    pa_heap_view hv;
    pa_introspect_heap(h, &hv);
    size_t n = 0;
    for (size_t slot = 0; slot < hv.arena_slots; slot++) {
        pa_arena_view av;
        assert_int_equal(pa_introspect_arena_slot(h, slot, &av), 0);
        assert_int_equal(av.slot, slot);
        if (av.base) {
            assert_true(n < max);
            out[n++] = av;
        }
    }
    assert_int_equal(n, hv.arenas_current);
    return n;
}

void pa_test_destroy_clean(pa_heap *h, const pa_os_counter *c) {
    assert_int_equal(pa_heap_destroy(h), 0);
    if (c) {
        assert_int_equal(c->bytes_mapped, 0);
        assert_int_equal(c->regions, 0);
    }
}

size_t pa_test_fill_pool(pa_heap *h, size_t size, void **out) {
    size_t cap = pa_test_class_capacity(h, pa_test_class_of(h, size));
    for (size_t i = 0; i < cap; i++) {
        out[i] = pa_heap_malloc(h, size);
        assert_non_null(out[i]);
        if (i)
            assert_int_equal(pa_test_pool_base(h, out[i]), pa_test_pool_base(h, out[0]));
    }
    return cap;
}

/* ---- statistics identities ---- */

void pa_test_stats_checked(const pa_heap *h, const pa_os_counter *c, pa_stats *out) {
    pa_stats s;
    pa_heap_stats(h, &s);
    pa_heap_view hv;
    pa_introspect_heap(h, &hv);
    const pa_config *cfg = pa_heap_config(h);

    assert_int_equal(s.nclasses, pa_config_class_count(cfg));
    assert_int_equal(s.arena_size, cfg->arena_size);
    assert_int_equal(s.bytes_total, s.arenas_current * s.arena_size);
    assert_int_equal(s.bytes_total, s.bytes_in_use + s.bytes_free_blocks + s.bytes_free_pools +
                                        s.bytes_decommitted + s.bytes_pool_headers +
                                        s.bytes_quantization + s.bytes_alignment);
    assert_int_equal(s.arenas_allocated_total - s.arenas_released_total, s.arenas_current);
    assert_true(s.arenas_highwater >= s.arenas_current);
    assert_int_equal(s.bytes_free_pools, s.free_pools * cfg->pool_size);
    assert_int_equal(s.bytes_decommitted, s.decommitted_pools * cfg->pool_size);
    assert_int_equal(s.decommitted_pools, hv.decommitted_pools);

    size_t blocks = 0, bytes = 0, free_bytes = 0, pools = 0;
    for (size_t i = 0; i < s.nclasses; i++) {
        const pa_class_stats *cs = &s.classes[i];
        pa_class_view cv;
        assert_int_equal(pa_introspect_class(h, i, &cv), 0);
        assert_int_equal(cs->block_size, pa_config_class_size(cfg, i));
        assert_int_equal(cs->bytes_in_use, cs->blocks_in_use * cs->block_size);
        assert_int_equal(cs->pools, cv.pools);
        assert_true(cs->full_pools <= cs->pools);
        /* every pool holding blocks contributes capacity - count free blocks */
        assert_int_equal(cs->free_blocks + cs->blocks_in_use, cs->pools * cv.capacity);
        blocks += cs->blocks_in_use;
        bytes += cs->bytes_in_use;
        free_bytes += cs->free_blocks * cs->block_size;
        pools += cs->pools;
    }
    assert_int_equal(s.blocks_in_use, blocks);
    assert_int_equal(s.bytes_in_use, bytes);
    assert_int_equal(s.bytes_free_blocks, free_bytes);
    assert_int_equal(s.bytes_pool_headers, pools * hv.pool_header_size);
    /* every pool of every arena is in use, free, or decommitted */
    assert_int_equal(pools + s.free_pools + s.decommitted_pools, s.arenas_current * hv.pools_per_arena);

    size_t large = 0, large_bytes = 0, cached = 0, cap = pa_introspect_large_capacity(h);
    for (size_t i = 0; i < cap; i++) {
        uintptr_t block;
        size_t size;
        int used = pa_introspect_large_slot(h, i, &block, &size);
        assert_true(used >= 0 && used <= 2);
        /* every block where a lookup finds it; an empty slot is no block's */
        assert_int_equal(pa_introspect_large_reachable(h, i), used ? 1 : -1);
        if (used == 1) {
            large++;
            large_bytes += size;
        } else if (used == 2) {
            cached++;
        }
    }
    assert_int_equal(pa_introspect_large_slot(h, cap, &(uintptr_t){0}, &(size_t){0}), -1);
    assert_int_equal(pa_introspect_large_reachable(h, cap), -1);
    assert_int_equal(s.large_blocks, large);
    assert_int_equal(s.large_bytes, large_bytes);
    assert_int_equal(s.large_cached_blocks, cached);

    assert_int_equal(s.os_bytes_mapped, s.metadata_bytes + s.arenas_current * s.arena_size);
    assert_int_equal(hv.arena_bytes_mapped, s.arenas_current * s.arena_size);
    if (c)
        assert_int_equal(s.os_bytes_mapped, c->bytes_mapped);
    if (out)
        *out = s;
}

/* ---- counting, failing large layer ---- */

static int large_find(const pa_test_large *t, const void *p) {
    for (int i = 0; i < PA_TEST_LARGE_MAX; i++)
        if (t->blocks[i].p == p)
            return i;
    return -1;
}

static void *large_alloc(void *ctx, size_t size, size_t alignment) {
    pa_test_large *t = ctx;
    t->allocs++;
    t->last_size = size;
    t->last_alignment = alignment;
    if (t->fail_alloc)
        return NULL;
    int slot = large_find(t, NULL);
    assert_true(slot >= 0);
    void *p = NULL;
    if (posix_memalign(&p, alignment < sizeof(void *) ? sizeof(void *) : alignment, size))
        return NULL;
    memset(p, 0xA5, size); /* never hand out zeroes by accident */
    t->blocks[slot].p = p;
    t->blocks[slot].size = size;
    t->live_blocks++;
    t->live_bytes += size;
    return p;
}

static void *large_alloc_zeroed(void *ctx, size_t size, size_t alignment) {
    pa_test_large *t = ctx;
    t->zeroed_allocs++;
    void *p = large_alloc(ctx, size, alignment);
    if (p)
        memset(p, 0, size);
    return p;
}

static void *large_resize(void *ctx, void *p, size_t old_size, size_t new_size) {
    pa_test_large *t = ctx;
    t->resizes++;
    int slot = large_find(t, p);
    if (slot < 0 || t->blocks[slot].size != old_size)
        t->size_mismatches++;
    if (t->fail_resize || slot < 0)
        return NULL;
    void *q = realloc(p, new_size);
    if (!q)
        return NULL;
    t->live_bytes += new_size - t->blocks[slot].size;
    t->blocks[slot].p = q;
    t->blocks[slot].size = new_size;
    return q;
}

static void large_free(void *ctx, void *p, size_t size) {
    pa_test_large *t = ctx;
    t->frees++;
    int slot = large_find(t, p);
    if (!p || slot < 0) {
        t->unknown_frees++;
        return;
    }
    if (t->blocks[slot].size != size)
        t->size_mismatches++;
    t->live_blocks--;
    t->live_bytes -= t->blocks[slot].size;
    t->blocks[slot].p = NULL;
    free(p);
}

pa_large_ops pa_test_large_ops(pa_test_large *t, int with_resize, int with_zeroed) {
    memset(t, 0, sizeof *t);
    pa_large_ops ops = {large_alloc, with_resize ? large_resize : NULL, large_free, t,
                        with_zeroed ? large_alloc_zeroed : NULL};
    return ops;
}

/* ---- misuse recorder ---- */

void pa_test_misuse_record(void *ctx, const pa_misuse *report) {
    pa_test_misuse *m = ctx;
    m->count++;
    m->kind = report->kind;
    m->pointer = report->pointer;
    m->heap = report->heap;
    snprintf(m->operation, sizeof m->operation, "%s", report->operation ? report->operation : "(null)");
    snprintf(m->message, sizeof m->message, "%s", report->message ? report->message : "(null)");
}

/* ---- output capture ---- */

char *pa_test_capture(int (*print)(const pa_stats *, FILE *), const pa_stats *s, int *rc) {
    FILE *f = tmpfile();
    assert_non_null(f);
    *rc = print(s, f);
    char *text = pa_test_read_all(f);
    fclose(f);
    assert_non_null(text);
    assert_true(text[0] != '\0');
    return text;
}
