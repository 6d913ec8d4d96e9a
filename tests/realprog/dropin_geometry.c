/* The drop-in's fast paths compute with the default geometry as constants
 * (heap_types.h, PA_GEOMETRY): built as the drop-in is (the library's
 * sources with PA_DROPIN), pa_heap_create makes heaps of the default
 * alignment, pool and arena sizes, whose blocks come and go through those
 * paths, and refuses any other geometry with EINVAL, mapping nothing. The
 * default configuration has the geometry default_geometry.h names. Exits 0,
 * or names the failed check and exits 1. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#define PROGRAM "dropin_geometry"
#include "check.h"
#include "default_geometry.h"
#include "poolalloc/heap.h"
#include "poolalloc/stats.h"

static void refused(const char *what, pa_config c) {
    errno = 0;
    pa_heap *h = pa_heap_create(&c);
    if (h || errno != EINVAL) {
        fprintf(stderr, "%s: a heap of another %s was not refused\n", PROGRAM, what);
        failures++;
    }
    if (h)
        pa_heap_destroy(h);
}

int main(void) {
    pa_config d = pa_config_default();
    CHECK(d.alignment == PA_DEFAULT_ALIGNMENT);
    CHECK(d.pool_size == PA_DEFAULT_POOL_SIZE);
    CHECK(d.arena_size == PA_DEFAULT_ARENA_SIZE);

    pa_heap *h = pa_heap_create(&d);
    CHECK(h != NULL);
    if (!h)
        return 1;
    enum { N = 2000 };
    static unsigned char *blocks[N];
    for (size_t i = 0; i < N; i++) {
        size_t n = 1 + i % 600;
        blocks[i] = pa_heap_malloc(h, n);
        CHECK(blocks[i] != NULL && (uintptr_t)blocks[i] % PA_DEFAULT_ALIGNMENT == 0);
        if (blocks[i])
            memset(blocks[i], (int)(i & 0xff), n);
    }
    for (size_t i = 0; i < N; i += 2) { /* shrink every other one: it moves or stays */
        size_t n = 1 + i % 600, half = (n + 2) / 3;
        blocks[i] = pa_heap_realloc(h, blocks[i], half);
        CHECK(blocks[i] != NULL && blocks[i][half - 1] == (unsigned char)(i & 0xff));
    }
    pa_stats s;
    pa_heap_stats(h, &s);
    CHECK(s.blocks_in_use + s.large_blocks == N);
    for (size_t i = 0; i < N; i++)
        pa_heap_free(h, blocks[i]);
    pa_heap_stats(h, &s);
    CHECK(s.blocks_in_use + s.large_blocks == 0);
    CHECK(pa_heap_destroy(h) == 0);

    pa_config c = d;
    c.alignment = 8;
    refused("alignment", c);
    c = d;
    c.pool_size = 2 * PA_DEFAULT_POOL_SIZE;
    refused("pool size", c);
    c = d;
    c.arena_size = 2 * PA_DEFAULT_ARENA_SIZE;
    refused("arena size", c);
    return failures ? 1 : 0;
}
