/* pa_heap_debug_scan: the findings pa_heap_debug_verify reports, handed to
 * the caller instead, with the same messages and nothing reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "poolalloc/poolalloc.h"

typedef struct seen {
    int reports;
    char message[4][256];
    pa_misuse_kind kind[4];
    char dump[1024];
    int findings;
    pa_debug_finding f[4];
    char finding_message[4][256];
} seen;

static void record(void *ctx, const pa_misuse *r) {
    seen *s = ctx;
    if (s->reports < 4) {
        s->kind[s->reports] = r->kind;
        snprintf(s->message[s->reports], sizeof s->message[0], "%s", r->message);
        snprintf(s->dump, sizeof s->dump, "%s", r->dump);
    }
    s->reports++;
}

static void collect(void *ctx, const pa_debug_finding *f) {
    seen *s = ctx;
    if (s->findings < 4) {
        s->f[s->findings] = *f;
        snprintf(s->finding_message[s->findings], sizeof s->finding_message[0], "%s", f->message);
    }
    s->findings++;
}

static pa_heap *debug_heap(seen *s) {
    memset(s, 0, sizeof *s);
    pa_config cfg = pa_config_default();
    cfg.debug = 1;
    cfg.debug_quarantine = 4;
    cfg.on_misuse = record;
    cfg.misuse_ctx = s;
    pa_heap *h = pa_heap_create(&cfg);
    assert_non_null(h);
    return h;
}

static void scan_reports_nothing(void **state) {
    (void)state;
    seen s;
    pa_heap *h = debug_heap(&s);
    char *small = pa_heap_malloc(h, 40), *large = pa_heap_malloc(h, 5000), *freed = pa_heap_malloc(h, 24);
    pa_heap_free(h, freed);
    assert_int_equal(pa_heap_debug_scan(h, collect, &s), 0);
    small[-3] = 0;
    large[5001] = 7;
    freed[5] = 1;
    assert_int_equal(pa_heap_debug_scan(h, collect, &s), 3);
    assert_int_equal(s.reports, 0);
    assert_int_equal(s.findings, 3);
    /* pools first (small, then freed), then the large block */
    assert_int_equal(s.f[0].kind, PA_DEBUG_GUARD_BEFORE);
    assert_ptr_equal(s.f[0].data, small);
    assert_int_equal(s.f[0].byte, 3);
    assert_int_equal(s.f[0].found, 0);
    assert_int_equal(s.f[0].expected, 0xFD);
    assert_int_equal(s.f[0].large, 0);
    assert_int_equal(s.f[1].kind, PA_DEBUG_FREED_WRITTEN);
    assert_int_equal(s.f[1].serial, 3);
    assert_int_equal(s.f[1].byte, 5);
    assert_int_equal(s.f[1].freed, 1);
    assert_int_equal(s.f[2].kind, PA_DEBUG_GUARD_AFTER);
    assert_int_equal(s.f[2].large, 1);
    assert_int_equal(s.f[2].byte, 2);
    assert_int_equal(s.f[2].size, 5000);
    /* verify reports the same blocks with the same messages */
    assert_int_equal(pa_heap_debug_verify(h), 3);
    assert_int_equal(s.reports, 3);
    for (int i = 0; i < 3; i++)
        assert_string_equal(s.message[i], s.finding_message[i]);
    assert_int_equal(s.kind[0], PA_MISUSE_GUARD_BEFORE);
    assert_int_equal(s.kind[1], PA_MISUSE_WRITE_AFTER_FREE);
    assert_int_equal(s.kind[2], PA_MISUSE_GUARD_AFTER);
    char want[256];
    snprintf(want, sizeof want,
             "quarantine: block %p (serial 3) was written after free: byte 5 is 0x01, not 0xDD", (void *)freed);
    assert_string_equal(s.message[1], want);
    small[-3] = (char)0xFD;
    large[5001] = (char)0xFD;
    freed[5] = (char)0xDD;
    pa_heap_free(h, small);
    pa_heap_free(h, large);
    pa_heap_destroy(h);
}

/* A size the block cannot hold is the finding; the dump shows none of the
 * bytes it would point at. */
static void verify_damaged_header(void **state) {
    (void)state;
    seen s;
    pa_heap *h = debug_heap(&s);
    char *p = pa_heap_malloc(h, 10);
    uint64_t saved;
    memcpy(&saved, p - 32, sizeof saved);
    uint64_t huge = (uint64_t)1 << 40;
    memcpy(p - 32, &huge, sizeof huge);
    assert_int_equal(pa_heap_debug_scan(h, collect, &s), 1);
    assert_int_equal(s.f[0].kind, PA_DEBUG_HEADER_DAMAGED);
    assert_int_equal(s.f[0].room, 16);
    assert_int_equal(pa_heap_debug_verify(h), 1);
    char want[256];
    snprintf(want, sizeof want,
             "verify(): block %p: header damaged: 1099511627776 requested bytes cannot fit in its 64-byte block",
             (void *)p);
    assert_int_equal(s.reports, 1);
    assert_int_equal(s.kind[0], PA_MISUSE_GUARD_BEFORE);
    assert_string_equal(s.message[0], want);
    assert_non_null(strstr(s.dump, "data: first 0 bytes ; last 0 bytes \n"));
    memcpy(p - 32, &saved, sizeof saved);
    pa_heap_free(h, p);
    pa_heap_destroy(h);
}

/* A damaged guard byte found by verify, in a block whose header's API
 * letter and state are damaged too: the dump says so ('?', "unknown
 * state") rather than trusting them. */
static void verify_header_without_api_or_state(void **state) {
    (void)state;
    seen s;
    pa_heap *h = debug_heap(&s);
    char *p = pa_heap_malloc(h, 10);
    unsigned char saved[3];
    memcpy(saved, p - 12, 2); /* api, state: bytes 20 and 21 of the header */
    saved[2] = (unsigned char)p[-1];
    memset(p - 12, 0, 1);
    memset(p - 11, 'X', 1);
    p[-1] = 0;
    assert_int_equal(pa_heap_debug_verify(h), 1);
    assert_int_equal(s.reports, 1);
    assert_non_null(strstr(s.dump, "requested through API '?'"));
    assert_non_null(strstr(s.dump, ", unknown state\n"));
    memcpy(p - 12, saved, 2);
    p[-1] = (char)saved[2];
    pa_heap_free(h, p);
    assert_int_equal(s.reports, 1);
    pa_heap_destroy(h);
}

static void plain_heap_scans_nothing(void **state) {
    (void)state;
    pa_heap *h = pa_heap_create(NULL);
    assert_non_null(h);
    void *p = pa_heap_malloc(h, 10);
    seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(pa_heap_debug_scan(h, collect, &s), 0);
    uintptr_t pool = (uintptr_t)p & ~(uintptr_t)(pa_heap_config(h)->pool_size - 1);
    assert_int_equal(pa_heap_debug_scan_pool(h, pool, collect, &s), 0);
    assert_int_equal(s.findings, 0);
    pa_heap_free(h, p);
    pa_heap_destroy(h);
}

/* A pool scan judges the pool at exactly that address, nothing else. */
static void scan_pool_takes_pool_addresses(void **state) {
    (void)state;
    seen s;
    pa_heap *h = debug_heap(&s);
    char *p = pa_heap_malloc(h, 40);
    uintptr_t pool = (uintptr_t)p & ~(uintptr_t)(pa_heap_config(h)->pool_size - 1);
    p[-1] = 0;
    assert_int_equal(pa_heap_debug_scan_pool(h, pool, collect, &s), 1);
    assert_int_equal(pa_heap_debug_scan_pool(h, pool + 16, collect, &s), 0);
    assert_int_equal(s.findings, 1);
    assert_ptr_equal(s.f[0].data, p);
    assert_int_equal(s.reports, 0);
    p[-1] = (char)0xFD; /* the forbidden byte again */
    pa_heap_free(h, p);
    assert_int_equal(s.reports, 0);
    pa_heap_destroy(h);
}

/* A pool of more blocks than the scan judges per freelist walk (4096): its
 * blocks are judged window by window, the last window's too. */
static void scan_big_pool_in_windows(void **state) {
    (void)state;
    seen s;
    memset(&s, 0, sizeof s);
    pa_config cfg = pa_config_default();
    cfg.pool_size = 256 * 1024;
    cfg.debug = 1;
    cfg.debug_quarantine = 0;
    cfg.on_misuse = record;
    cfg.misuse_ctx = &s;
    pa_heap *h = pa_heap_create(&cfg);
    assert_non_null(h);
    enum { N = 4200 }; /* 0-byte requests: 48-byte blocks, 5460 to a pool */
    static char *p[N];
    for (int i = 0; i < N; i++) {
        p[i] = pa_heap_malloc(h, 0);
        assert_true(((uintptr_t)p[i] ^ (uintptr_t)p[0]) < cfg.pool_size); /* one pool */
    }
    assert_int_equal(pa_heap_debug_scan(h, collect, &s), 0);
    p[N - 1][0] = 1; /* the first forbidden byte after its 0 bytes of data */
    assert_int_equal(pa_heap_debug_scan(h, collect, &s), 1);
    assert_ptr_equal(s.f[0].data, p[N - 1]);
    p[N - 1][0] = (char)0xFD;
    for (int i = 0; i < N; i++)
        pa_heap_free(h, p[i]);
    assert_int_equal(s.reports, 0);
    pa_heap_destroy(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scan_reports_nothing),
        cmocka_unit_test(verify_damaged_header),
        cmocka_unit_test(verify_header_without_api_or_state),
        cmocka_unit_test(plain_heap_scans_nothing),
        cmocka_unit_test(scan_pool_takes_pool_addresses),
        cmocka_unit_test(scan_big_pool_in_windows),
    };
    return cmocka_run_group_tests_name("debug scan", tests, NULL, NULL);
}
