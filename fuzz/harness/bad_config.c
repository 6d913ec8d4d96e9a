/* The misuse op bad_config's broken configurations. */
#include "bad_config.h"

#include <string.h>

#include "poolalloc/large.h"
#include "poolalloc/os.h"

/* In pa_config_validate's order: each breaks one field of a legal
 * configuration, so the rules before it still pass and it is the one that
 * refuses. */
static const char *const NAMES[PA_BAD_CONFIG_RULES] = {
    "alignment",     "threshold_low", "threshold_odd", "threshold_high", "threshold_between",
    "pool_zero",     "pool_odd",      "pool_huge",     "arena_odd",      "arena_small",
    "limit",         "empty_arenas",  "empty_max",     "run_pools",      "keep_max",
    "cache_max",     "decommit",      "os_partial",    "large_free",     "large_resize",
    "large_zeroed",
};

const char *pa_bad_config_name(unsigned rule) { return NAMES[rule % PA_BAD_CONFIG_RULES]; }

/* The OS layer with one of its four calls missing. */
static void break_os(pa_os_ops *os) {
    if (!os->map)
        *os = pa_os_mmap();
    os->unmap = NULL;
}

const char *pa_bad_config_apply(unsigned rule, pa_config *c) {
    pa_large_ops system = pa_large_system();
    switch (rule % PA_BAD_CONFIG_RULES) {
    case 0: c->alignment = 32; return "alignment";
    case 1: c->small_threshold = 0; return "small_threshold";
    case 2: c->small_threshold = c->alignment + c->alignment / 2; return "small_threshold";
    case 3: c->small_threshold = 2 * PA_MAX_THRESHOLD; return "small_threshold";
    case 4: c->small_threshold = PA_LINEAR_THRESHOLD + c->alignment; return "small_threshold";
    case 5: c->pool_size = 0; return "pool_size";
    case 6: c->pool_size += c->pool_size / 2; return "pool_size";
    case 7: c->pool_size = (size_t)1 << 32; return "pool_size"; /* past the 32-bit offsets */
    case 8: c->arena_size += c->arena_size / 2; return "arena_size";
    case 9: c->arena_size = pa_os_page_size() / 2; return "arena_size";
    case 10: c->memory_limit = c->arena_size - 1; return "memory_limit";
    case 11: c->empty_arenas = (pa_empty_arena_policy)(PA_EMPTY_ARENA_KEEP_ALL + 1); return "empty_arenas";
    case 12: c->empty_arenas_max = 0; return "empty_arenas_max";
    case 13: c->decommit_run_pools = 0; return "decommit_run_pools";
    case 14:
        c->decommit_keep_pools = 2;
        c->decommit_keep_pools_max = 1;
        return "decommit_keep_pools_max";
    case 15:
        c->large_cache_bytes = 2;
        c->large_cache_bytes_max = 1;
        return "large_cache_bytes_max";
    case 16: c->decommit = (pa_decommit_policy)(PA_DECOMMIT_FREE_POOLS + 1); return "decommit";
    case 17: break_os(&c->os); return "os:";
    case 18:
        c->large = system;
        c->large.free = NULL;
        return "large:";
    case 19:
        memset(&c->large, 0, sizeof c->large);
        c->large.resize = system.resize;
        return "large:";
    default:
        memset(&c->large, 0, sizeof c->large);
        c->large.alloc_zeroed = system.alloc_zeroed;
        return "large:";
    }
}
