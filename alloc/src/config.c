#include "poolalloc/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "default_geometry.h"
#include "layout.h"

pa_config pa_config_default(void) {
    pa_config c = {
        .alignment = PA_DEFAULT_ALIGNMENT,
        .small_threshold = 4096,
        .pool_size = PA_DEFAULT_POOL_SIZE,
        .arena_size = PA_DEFAULT_ARENA_SIZE,
        .memory_limit = 0,
        .empty_arenas = PA_EMPTY_ARENA_KEEP_ONE,
        .decommit = PA_DECOMMIT_FREE_POOLS,
        .decommit_keep_pools = 16,
        .decommit_run_pools = 16,
        .empty_arenas_max = 8,
        .decommit_keep_pools_max = 64,
        .large_cache_bytes = 1024 * 1024,
        .large_cache_bytes_max = 8 * 1024 * 1024,
        .keep_spare_pools = 1,
    };
    return c;
}

static int reject(char *msg, size_t msg_len, const char *fmt, ...) {
    if (msg && msg_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msg_len, fmt, ap);
        va_end(ap);
    }
    return EINVAL;
}

static int is_pow2(size_t x) { return x && !(x & (x - 1)); }

static int is_geometric_size(size_t size) {
    return pa_layout_geometric_size(pa_layout_geometric_class(size)) == size;
}

size_t pa_config_class_count(const pa_config *c) {
    if (c->small_threshold <= PA_LINEAR_THRESHOLD)
        return c->small_threshold / c->alignment;
    return PA_LINEAR_THRESHOLD / c->alignment + pa_layout_geometric_class(c->small_threshold) + 1;
}

size_t pa_config_class_size(const pa_config *c, size_t index) {
    size_t linear = PA_LINEAR_THRESHOLD / c->alignment;
    if (index < linear)
        return (index + 1) * c->alignment;
    return pa_layout_geometric_size(index - linear);
}

int pa_config_validate(const pa_config *c, char *msg, size_t msg_len) {
    if (msg && msg_len)
        msg[0] = '\0';
    if (c->alignment != 8 && c->alignment != 16)
        return reject(msg, msg_len, "alignment %zu must be 8 or 16", c->alignment);
    size_t t = c->small_threshold;
    if (t < c->alignment || (t <= PA_LINEAR_THRESHOLD && t % c->alignment))
        return reject(msg, msg_len, "small_threshold %zu must be a multiple of the alignment (%zu) between %zu and %d",
                      t, c->alignment, c->alignment, PA_LINEAR_THRESHOLD);
    if (t > PA_MAX_THRESHOLD || (t > PA_LINEAR_THRESHOLD && !is_geometric_size(t)))
        return reject(msg, msg_len,
                      "small_threshold %zu above %d must be a class size: 640, 768, 896, 1024, 1280, ..., %d",
                      t, PA_LINEAR_THRESHOLD, PA_MAX_THRESHOLD);
    if (!is_pow2(c->pool_size))
        return reject(msg, msg_len, "pool_size %zu is not a power of two", c->pool_size);
    if (c->pool_size > PA_MAX_POOL_SIZE)
        return reject(msg, msg_len, "pool_size %zu is larger than the 32-bit offsets inside a pool can reach (at most %zu)",
                      c->pool_size, (size_t)PA_MAX_POOL_SIZE);
    size_t largest = c->small_threshold;
    size_t first = pa_layout_first_offset(largest);
    if (c->pool_size < first || (c->pool_size - first) / largest < 2)
        return reject(msg, msg_len,
                      "pool_size %zu holds fewer than 2 blocks of %zu bytes (the small_threshold) after its %zu-byte header",
                      c->pool_size, largest, first);
    if (!is_pow2(c->arena_size))
        return reject(msg, msg_len, "arena_size %zu is not a power of two", c->arena_size);
    if (c->arena_size < pa_os_page_size())
        return reject(msg, msg_len, "arena_size %zu is smaller than the page size %zu",
                      c->arena_size, pa_os_page_size());
    if (c->arena_size / c->pool_size < 4 || c->arena_size / c->pool_size > PA_MAX_POOLS_PER_ARENA)
        return reject(msg, msg_len, "arena_size %zu holds %zu pools of %zu bytes; it must hold 4 to %d",
                      c->arena_size, c->arena_size / c->pool_size, c->pool_size, PA_MAX_POOLS_PER_ARENA);
    if (c->memory_limit && c->memory_limit < c->arena_size)
        return reject(msg, msg_len, "memory_limit %zu is below one arena (%zu bytes): nothing could be allocated",
                      c->memory_limit, c->arena_size);
    if ((unsigned)c->empty_arenas > PA_EMPTY_ARENA_KEEP_ALL)
        return reject(msg, msg_len, "empty_arenas %d is not a pa_empty_arena_policy", (int)c->empty_arenas);
    if (c->empty_arenas_max < 1)
        return reject(msg, msg_len, "empty_arenas_max %u must be at least 1 (the one arena KEEP_ONE keeps)",
                      c->empty_arenas_max);
    if (c->decommit_run_pools < 1)
        return reject(msg, msg_len, "decommit_run_pools %u must be at least 1 (each pool at once)",
                      c->decommit_run_pools);
    if (c->decommit_keep_pools_max < c->decommit_keep_pools)
        return reject(msg, msg_len, "decommit_keep_pools_max %u is below decommit_keep_pools %u",
                      c->decommit_keep_pools_max, c->decommit_keep_pools);
    if (c->large_cache_bytes_max < c->large_cache_bytes)
        return reject(msg, msg_len, "large_cache_bytes_max %zu is below large_cache_bytes %zu",
                      c->large_cache_bytes_max, c->large_cache_bytes);
    if ((unsigned)c->decommit > PA_DECOMMIT_FREE_POOLS)
        return reject(msg, msg_len, "decommit %d is not a pa_decommit_policy", (int)c->decommit);
    if (c->decommit == PA_DECOMMIT_FREE_POOLS && c->pool_size < pa_os_page_size())
        return reject(msg, msg_len, "decommit of free pools needs pool_size %zu to be at least the page size %zu",
                      c->pool_size, pa_os_page_size());
    int os_set = !!c->os.map + !!c->os.unmap + !!c->os.decommit + !!c->os.recommit;
    if (os_set != 0 && os_set != 4)
        return reject(msg, msg_len, "os: map, unmap, decommit and recommit must all be set, or none");
    if (!c->large.alloc != !c->large.free)
        return reject(msg, msg_len, "large: alloc and free must both be set, or neither");
    if (!c->large.alloc && (c->large.resize || c->large.alloc_zeroed))
        return reject(msg, msg_len, "large: resize or alloc_zeroed given without alloc and free");
    return 0;
}
