/* Ownership of any address: with arenas placed far apart in the address
 * space (near the top of user space and low down), pa_heap_owns answers true
 * exactly inside live arenas and for live large blocks, false next to them,
 * for addresses differing only in high bits, for the stack, static data,
 * garbage and kernel addresses, and false again once an arena is released. */
#include <string.h>

#include "pa_test.h"

#define HIGH_START ((uintptr_t)0x7ff000000000u)
#define LOW_START ((uintptr_t)0x10000000u)

static int static_object;

typedef struct fixture {
    pa_test_fixed_os fixed;
    pa_test_os os;   /* counts on top of the fixed layer */
    pa_heap *h;
} fixture;

static void open_fixture(fixture *f, uintptr_t start, pa_empty_arena_policy policy) {
    pa_config base = pa_config_default();
    pa_test_fixed_os_init(&f->fixed, start, base.arena_size); /* a free arena's gap after each region */
    pa_os_ops fixed = pa_test_fixed_os_ops(&f->fixed);
    pa_test_os_init(&f->os, &fixed);
    base.empty_arenas = policy;
    pa_config c = pa_test_config(&f->os, &base);
    f->h = pa_heap_create(&c);
    if (!f->h)
        fail_msg("no heap with regions at %#lx", (unsigned long)start);
}

static size_t live_arenas(const pa_heap *h, uintptr_t *bases, uintptr_t *objects, size_t max) {
    pa_arena_view av[16];
    size_t n = pa_test_live_arenas(h, av, max < 16 ? max : 16);
    for (size_t i = 0; i < n; i++) {
        bases[i] = av[i].base;
        objects[i] = av[i].object;
    }
    return n;
}

static int inside_any(uintptr_t a, const uintptr_t *bases, size_t n, size_t arena) {
    for (size_t i = 0; i < n; i++)
        if (a >= bases[i] && a - bases[i] < arena)
            return 1;
    return 0;
}

/* The base the map names for a, walked step by step through the map's view
 * as poolalloc/introspect.h spells the walk out (the invariant checker's
 * owner-cache check walks it so); it must be what pa_introspect_owner_base
 * answers, 0 for no arena. */
static uintptr_t view_owner_base(const pa_heap *h, uintptr_t a) {
    pa_owner_map_view m;
    pa_introspect_owner_map(h, &m);
    const void *const *mid = m.root[a >> m.shift_root];
    const uint32_t *leaf = mid ? mid[(a >> m.shift_mid) & m.mask_mid] : NULL;
    uint32_t id = leaf ? leaf[(a >> m.shift) & m.mask_leaf] : 0;
    uintptr_t got = id && id <= m.arena_slots ? *(const uintptr_t *)(m.first_base + (id - 1) * m.arena_stride) : 0;
    uintptr_t object;
    assert_int_equal(got, pa_introspect_owner_base(h, a, &object));
    return got;
}

static void check_arena_edges(const fixture *f, const uintptr_t *bases, const uintptr_t *objects, size_t n) {
    const pa_heap *h = f->h;
    size_t arena = pa_heap_config(h)->arena_size, pool = pa_heap_config(h)->pool_size;
    for (size_t i = 0; i < n; i++) {
        uintptr_t b = bases[i];
        assert_int_equal(b % arena, 0);
        /* the layer put it where it was told */
        assert_true(b >= f->fixed.lowest && b + arena <= f->fixed.highest);
        for (uintptr_t a = b; a < b + arena; a += pool) {
            assert_true(pa_heap_owns(h, (void *)a));
            assert_true(pa_heap_owns(h, (void *)(a + pool / 2 + 1)));
        }
        assert_true(pa_heap_owns(h, (void *)(b + arena - 1)));
        assert_int_equal(pa_introspect_owner(h, b), objects[i]);
        assert_int_equal(pa_introspect_owner(h, b + arena - 1), objects[i]);
        assert_int_equal(view_owner_base(h, b), b);
        assert_int_equal(view_owner_base(h, b + arena - 1), b);
        /* neighbours on either side, unless another live arena is there */
        static const uintptr_t dist[] = {1, 16, 4096, (uintptr_t)1 << 20};
        for (size_t k = 0; k < sizeof dist / sizeof dist[0]; k++) {
            uintptr_t near[2] = {b - dist[k], b + arena - 1 + dist[k]};
            for (int side = 0; side < 2; side++) {
                if (inside_any(near[side], bases, n, arena))
                    continue;
                assert_false(pa_heap_owns(h, (void *)near[side]));
                assert_int_equal(pa_introspect_owner(h, near[side]), 0);
                assert_int_equal(view_owner_base(h, near[side]), 0);
            }
        }
        /* the same low bits with any one higher bit flipped: not ours */
        for (unsigned bit = 20; bit < 64; bit++) {
            uintptr_t other = b ^ ((uintptr_t)1 << bit);
            if (!inside_any(other, bases, n, arena)) {
                if (pa_heap_owns(h, (void *)other))
                    fail_msg("%#lx (arena %#lx with bit %u flipped) is said to be owned",
                             (unsigned long)other, (unsigned long)b, bit);
                assert_int_equal(pa_introspect_owner(h, other), 0);
                assert_int_equal(view_owner_base(h, other), 0);
            }
        }
    }
}

static void check_strangers(const pa_heap *h) {
    int local = 0;
    const uintptr_t strangers[] = {
        0, 1, 4096, (uintptr_t)&local, (uintptr_t)&static_object, (uintptr_t)&check_strangers,
        (uintptr_t)0xffff800000000000u, (uintptr_t)0xffffffffff600000u, UINTPTR_MAX,
        UINTPTR_MAX - 4095, (uintptr_t)0x8000000000000000u, (uintptr_t)0x00007fffffffffffu,
    };
    for (size_t i = 0; i < sizeof strangers / sizeof strangers[0]; i++) {
        if (pa_heap_owns(h, (const void *)strangers[i]))
            fail_msg("%#lx is said to be owned", (unsigned long)strangers[i]);
        assert_int_equal(pa_introspect_owner(h, strangers[i]), 0);
        assert_int_equal(view_owner_base(h, strangers[i]), 0);
    }
}

static void check_placement(uintptr_t start) {
    fixture f;
    open_fixture(&f, start, PA_EMPTY_ARENA_RELEASE);
    /* three arenas of 512-byte blocks, 31 x 64 per arena */
    enum { PER_ARENA = 31 * 64, N = 3 * PER_ARENA };
    static void *p[N];
    for (size_t i = 0; i < N; i++) {
        p[i] = pa_heap_malloc(f.h, 512);
        assert_non_null(p[i]);
    }
    void *big = pa_heap_malloc(f.h, 100000);
    assert_non_null(big);
    uintptr_t bases[8], objects[8];
    size_t n = live_arenas(f.h, bases, objects, 8);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        assert_true(bases[i] >= start);
    check_arena_edges(&f, bases, objects, n);
    check_strangers(f.h);
    for (size_t i = 0; i < N; i++)
        assert_true(pa_heap_owns(f.h, p[i]));
    assert_true(pa_heap_owns(f.h, big));

    /* drain the middle arena: it goes back to the OS and is owned no more */
    uintptr_t mid = (uintptr_t)p[PER_ARENA] & ~(uintptr_t)(pa_heap_config(f.h)->arena_size - 1);
    for (size_t i = 0; i < N; i++)
        if (((uintptr_t)p[i] & ~(uintptr_t)(pa_heap_config(f.h)->arena_size - 1)) == mid) {
            pa_heap_free(f.h, p[i]);
            p[i] = NULL;
        }
    assert_int_equal(live_arenas(f.h, bases, objects, 8), 2);
    assert_false(pa_heap_owns(f.h, (void *)mid));
    assert_false(pa_heap_owns(f.h, (void *)(mid + 12345)));
    assert_int_equal(pa_introspect_owner(f.h, mid), 0);
    check_arena_edges(&f, bases, objects, 2);
    pa_test_stats_checked(f.h, &f.os.counter, NULL);

    for (size_t i = 0; i < N; i++)
        pa_heap_free(f.h, p[i]);
    pa_heap_free(f.h, big);
    assert_false(pa_heap_owns(f.h, big));
    assert_int_equal(live_arenas(f.h, bases, objects, 8), 0);
    check_strangers(f.h);
    pa_test_destroy_clean(f.h, &f.os.counter);
    assert_int_equal(f.fixed.maps, f.fixed.unmaps);
}

static void test_high_addresses(void **state) {
    (void)state;
    check_placement(HIGH_START);
}

static void test_low_addresses(void **state) {
    (void)state;
    check_placement(LOW_START);
}

/* Two heaps whose regions interleave in one address range. */
static void test_neighbouring_heaps(void **state) {
    (void)state;
    fixture a, b;
    open_fixture(&a, HIGH_START - ((uintptr_t)64 << 30), PA_EMPTY_ARENA_KEEP_ONE);
    open_fixture(&b, HIGH_START - ((uintptr_t)64 << 30) + (1 << 20), PA_EMPTY_ARENA_KEEP_ONE);
    enum { N = 2500 };
    static void *pa[N], *pb[N];
    for (size_t i = 0; i < N; i++) {
        pa[i] = pa_heap_malloc(a.h, 512);
        pb[i] = pa_heap_malloc(b.h, 512);
        assert_non_null(pa[i]);
        assert_non_null(pb[i]);
    }
    for (size_t i = 0; i < N; i++) {
        assert_true(pa_heap_owns(a.h, pa[i]));
        assert_false(pa_heap_owns(a.h, pb[i]));
        assert_true(pa_heap_owns(b.h, pb[i]));
        assert_false(pa_heap_owns(b.h, pa[i]));
    }
    for (size_t i = 0; i < N; i++) {
        pa_heap_free(a.h, pa[i]);
        pa_heap_free(b.h, pb[i]);
    }
    assert_int_equal(pa_heap_destroy(a.h), 0);
    assert_int_equal(pa_heap_destroy(b.h), 0);
    assert_int_equal(a.os.counter.bytes_mapped + b.os.counter.bytes_mapped, 0);
}

/* Every live block of a busy default heap is owned; so is nothing else
 * within a few bytes of the heap's arenas. */
static void test_default_layer_blocks(void **state) {
    (void)state;
    pa_heap *h = pa_test_heap_create(NULL);
    enum { N = 20000 };
    static void *p[N];
    for (size_t i = 0; i < N; i++) {
        p[i] = pa_heap_malloc(h, 1 + (i * 7919) % 700);
        assert_non_null(p[i]);
    }
    for (size_t i = 0; i < N; i++)
        assert_true(pa_heap_owns(h, p[i]));
    check_strangers(h);
    for (size_t i = 0; i < N; i++)
        pa_heap_free(h, p[i]);
    assert_int_equal(pa_heap_destroy(h), 0);
}

/* One heap whose arenas lie far apart: top of user space, low memory and in
 * between, so the ownership map uses several of its top-level entries. The
 * places avoid the ranges ASan keeps for its shadow and its allocator. */
static void test_scattered_arenas(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, HIGH_START, PA_EMPTY_ARENA_KEEP_ALL);
    static const uintptr_t places[] = {HIGH_START + ((uintptr_t)1 << 32), LOW_START + ((uintptr_t)1 << 28),
                                       (uintptr_t)0x300000000000u, (uintptr_t)0x500000000000u};
    enum { PER_ARENA = 31 * 64 };
    static void *p[5 * PER_ARENA];
    size_t n = 0;
    for (size_t k = 0; k <= 4; k++) {
        if (k)
            f.fixed.next = places[k - 1]; /* the next arena goes there */
        for (size_t i = 0; i < PER_ARENA; i++) {
            p[n] = pa_heap_malloc(f.h, 512);
            assert_non_null(p[n]);
            n++;
        }
    }
    uintptr_t bases[8], objects[8];
    size_t live = live_arenas(f.h, bases, objects, 8);
    assert_int_equal(live, 5);
    for (size_t k = 0; k < 4; k++) {
        int found = 0;
        for (size_t i = 0; i < live; i++)
            found |= bases[i] >= places[k] && bases[i] - places[k] < ((uintptr_t)1 << 30);
        if (!found)
            fail_msg("no arena was placed near %#lx", (unsigned long)places[k]);
    }
    f.fixed.lowest = LOW_START;
    f.fixed.highest = UINTPTR_MAX / 2;
    check_arena_edges(&f, bases, objects, live);
    check_strangers(f.h);
    for (size_t i = 0; i < n; i++)
        assert_true(pa_heap_owns(f.h, p[i]));
    for (size_t i = 0; i < n; i++)
        pa_heap_free(f.h, p[i]);
    pa_test_destroy_clean(f.h, &f.os.counter);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_high_addresses),
        cmocka_unit_test(test_low_addresses),
        cmocka_unit_test(test_neighbouring_heaps),
        cmocka_unit_test(test_scattered_arenas),
        cmocka_unit_test(test_default_layer_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
