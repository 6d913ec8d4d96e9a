/* Configuration prefix of the fuzz_config target. */
#include "config_bytes.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errmsg.h"

/* Pool sizes 2^5..2^17 and arena sizes 2^12..2^24 are enumerated; those the
 * validator accepts for the rest of the configuration are the choices. */
#define POOL_LG_MIN 5
#define POOL_LG_MAX 17
#define ARENA_LG_MIN 12
#define ARENA_LG_MAX 24
/* Byte 4 from this value up sets a memory limit of its low 3 bits + 1 arenas. */
#define LIMIT_ON 0xc0
/* Byte 3's top bit turns the spare pools off; its low bits choose the arena. */
#define SPARES_OFF 0x80

static const unsigned QUARANTINES[4] = {0, 1, 4, 16};
static const char *const EMPTY_NAMES[3] = {"keep_one", "release", "keep_all"};
static const char *const DECOMMIT_NAMES[2] = {"never", "free_pools"};

/* The large path: the system one as the heap takes it by default (resize,
 * alloc_zeroed), or without alloc_zeroed (the heap clears calloc blocks), or
 * without resize (the heap allocates, copies and frees), or without both. */
static const char *const LARGE_NAMES[4] = {"system", "no_zeroed", "no_resize", "plain"};

static void set_large_variant(pa_config *c, unsigned v) {
    memset(&c->large, 0, sizeof c->large);
    if (!v)
        return;
    c->large = pa_large_system();
    if (v & 1)
        c->large.alloc_zeroed = NULL;
    if (v & 2)
        c->large.resize = NULL;
}

static unsigned large_variant(const pa_config *c) {
    if (!c->large.alloc)
        return 0;
    return (c->large.alloc_zeroed ? 0u : 1u) | (c->large.resize ? 0u : 2u);
}

static int legal(const pa_config *c) { return pa_config_validate(c, NULL, 0) == 0; }

/* Candidate pool sizes for c (its pool and arena fields are overwritten). */
static size_t pool_choices(pa_config c, size_t out[]) {
    size_t n = 0;
    for (int lg = POOL_LG_MIN; lg <= POOL_LG_MAX; lg++) {
        c.pool_size = (size_t)1 << lg;
        c.memory_limit = 0;
        for (int al = ARENA_LG_MIN; al <= ARENA_LG_MAX; al++) {
            c.arena_size = (size_t)1 << al;
            if (legal(&c)) {
                out[n++] = c.pool_size;
                break;
            }
        }
    }
    return n;
}

static size_t arena_choices(pa_config c, size_t out[]) {
    size_t n = 0;
    c.memory_limit = 0;
    for (int al = ARENA_LG_MIN; al <= ARENA_LG_MAX; al++) {
        c.arena_size = (size_t)1 << al;
        if (legal(&c))
            out[n++] = c.arena_size;
    }
    return n;
}

void pa_config_from_bytes(const uint8_t *data, size_t len, pa_config *cfg) {
    uint8_t b[PA_CONFIG_BYTES] = {0};
    memcpy(b, data, len < PA_CONFIG_BYTES ? len : PA_CONFIG_BYTES);
    pa_config c = pa_config_default();
    c.alignment = (b[0] & 1) ? 8 : 16;
    c.empty_arenas = (pa_empty_arena_policy)(((b[0] >> 1) & 3) % 3);
    c.decommit = (b[0] & 8) ? PA_DECOMMIT_FREE_POOLS : PA_DECOMMIT_NEVER;
    c.decommit_keep_pools = (b[0] >> 4) == 15 ? 16 : b[0] >> 4; /* 16: the default */
    c.small_threshold = PA_MAX_THRESHOLD;
    c.small_threshold = pa_config_class_size(&c, b[1] % pa_config_class_count(&c));
    size_t choice[32], n = pool_choices(c, choice);
    c.pool_size = choice[(b[2] & 63) % n];
    set_large_variant(&c, b[2] >> 6);
    n = arena_choices(c, choice);
    c.arena_size = choice[(b[3] & ~SPARES_OFF) % n];
    c.keep_spare_pools = !(b[3] & SPARES_OFF);
    c.memory_limit = b[4] < LIMIT_ON ? 0 : ((size_t)(b[4] & 7) + 1) * c.arena_size;
    c.debug = (b[4] >> 3) & 1;
    c.debug_quarantine = c.debug ? QUARANTINES[(b[4] >> 4) & 3] : 0;
    *cfg = c;
}

static int index_of(const size_t *v, size_t n, size_t x) {
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return (int)i;
    return -1;
}

int pa_config_to_bytes(const pa_config *cfg, uint8_t out[PA_CONFIG_BYTES], char *err, size_t err_len) {
    char why[160];
    if (pa_config_validate(cfg, why, sizeof why))
        return pa_errmsg(err, err_len, "illegal configuration: %s", why);
    unsigned keep = cfg->decommit_keep_pools;
    if (keep > 14 && keep != 16)
        return pa_errmsg(err, err_len, "keep=%u: the prefix encodes 0..14 and 16", keep);
    unsigned keep_code = keep == 16 ? 15 : keep;
    memset(out, 0, PA_CONFIG_BYTES);
    out[0] = (uint8_t)((cfg->alignment == 8 ? 1 : 0) | ((unsigned)cfg->empty_arenas << 1) |
                       (cfg->decommit == PA_DECOMMIT_FREE_POOLS ? 8 : 0) |
                       (keep_code << 4));
    out[1] = (uint8_t)(pa_config_class_count(cfg) - 1);
    pa_config c = *cfg;
    size_t choice[32], n = pool_choices(c, choice);
    int i = index_of(choice, n, cfg->pool_size);
    if (i < 0)
        return pa_errmsg(err, err_len, "pool=%zu is outside 2^%d..2^%d", cfg->pool_size, POOL_LG_MIN, POOL_LG_MAX);
    out[2] = (uint8_t)(i | (int)(large_variant(cfg) << 6));
    n = arena_choices(c, choice);
    i = index_of(choice, n, cfg->arena_size);
    if (i < 0)
        return pa_errmsg(err, err_len, "arena=%zu is outside 2^%d..2^%d", cfg->arena_size, ARENA_LG_MIN, ARENA_LG_MAX);
    if (cfg->keep_spare_pools != 0 && cfg->keep_spare_pools != 1)
        return pa_errmsg(err, err_len, "spares=%d: the prefix encodes 0 or 1", cfg->keep_spare_pools);
    out[3] = (uint8_t)(i | (cfg->keep_spare_pools ? 0 : SPARES_OFF));
    if (cfg->memory_limit) {
        size_t k = cfg->memory_limit / cfg->arena_size;
        if (cfg->memory_limit % cfg->arena_size || k < 1 || k > 8)
            return pa_errmsg(err, err_len, "limit=%zu: the prefix encodes 0 or 1..8 arenas", cfg->memory_limit);
        out[4] = (uint8_t)(LIMIT_ON + k - 1);
    }
    if (cfg->debug) {
        int q = -1;
        for (int k = 0; k < 4; k++)
            if (QUARANTINES[k] == cfg->debug_quarantine)
                q = k;
        if (q < 0 || cfg->debug != 1)
            return pa_errmsg(err, err_len, "debug=%d quarantine=%u: the prefix encodes debug=1 with quarantine 0, 1, 4 or 16",
                        cfg->debug, cfg->debug_quarantine);
        out[4] = (uint8_t)(out[4] | 8 | (q << 4));
    } else if (cfg->debug_quarantine) {
        return pa_errmsg(err, err_len, "quarantine=%u needs debug=1", cfg->debug_quarantine);
    }
    pa_config back;
    pa_config_from_bytes(out, PA_CONFIG_BYTES, &back);
    if (back.alignment != cfg->alignment || back.small_threshold != cfg->small_threshold ||
        back.pool_size != cfg->pool_size || back.arena_size != cfg->arena_size ||
        back.memory_limit != cfg->memory_limit || back.empty_arenas != cfg->empty_arenas ||
        back.decommit != cfg->decommit || back.decommit_keep_pools != cfg->decommit_keep_pools ||
        back.debug != cfg->debug || back.debug_quarantine != cfg->debug_quarantine ||
        back.keep_spare_pools != cfg->keep_spare_pools || large_variant(&back) != large_variant(cfg))
        return pa_errmsg(err, err_len, "configuration does not survive its own encoding");
    return 0;
}

/* What the default leaves out: the large path when not the system's, the
 * spare pools when off, the debug layer when on. */
static const char *extras_text(const pa_config *c) {
    static char buf[96];
    int n = 0;
    buf[0] = '\0';
    if (large_variant(c))
        n = snprintf(buf, sizeof buf, " large=%s", LARGE_NAMES[large_variant(c)]);
    if (!c->keep_spare_pools)
        n += snprintf(buf + n, sizeof buf - (size_t)n, " spares=0");
    if (c->debug)
        snprintf(buf + n, sizeof buf - (size_t)n, " debug=%d quarantine=%u", c->debug, c->debug_quarantine);
    return buf;
}

int pa_config_format(char *out, size_t out_len, const pa_config *c) {
    return snprintf(out, out_len,
                    "config align=%zu threshold=%zu pool=%zu arena=%zu empty=%s decommit=%s keep=%u limit=%zu%s",
                    c->alignment, c->small_threshold, c->pool_size, c->arena_size,
                    (unsigned)c->empty_arenas < 3 ? EMPTY_NAMES[c->empty_arenas] : "?",
                    (unsigned)c->decommit < 2 ? DECOMMIT_NAMES[c->decommit] : "?",
                    c->decommit_keep_pools, c->memory_limit, extras_text(c));
}

static int name_index(const char *v, size_t len, const char *const *names, int n) {
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == len && strncmp(v, names[i], len) == 0)
            return i;
    return -1;
}

int pa_config_parse(const char *line, pa_config *cfg, char *err, size_t err_len) {
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncmp(p, "config", 6) != 0 || (p[6] && !isspace((unsigned char)p[6])))
        return 0;
    p += 6;
    pa_config c = pa_config_default();
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        if (!*p || *p == '#' || *p == '\n')
            break;
        const char *key = p;
        while (*p && *p != '=' && !isspace((unsigned char)*p))
            p++;
        if (*p != '=')
            return pa_errmsg(err, err_len, "config: expected key=value at '%.20s'", key);
        size_t klen = (size_t)(p - key);
        const char *val = ++p;
        while (*p && !isspace((unsigned char)*p) && *p != '#')
            p++;
        size_t vlen = (size_t)(p - val);
        char *end;
        unsigned long long num = strtoull(val, &end, 10);
        int is_num = vlen && end == p;
#define KEY(k) (klen == strlen(k) && strncmp(key, k, klen) == 0)
        if (KEY("empty")) {
            int i = name_index(val, vlen, EMPTY_NAMES, 3);
            if (i < 0)
                return pa_errmsg(err, err_len, "config: empty=%.*s is not keep_one, release or keep_all", (int)vlen, val);
            c.empty_arenas = (pa_empty_arena_policy)i;
        } else if (KEY("large")) {
            int i = name_index(val, vlen, LARGE_NAMES, 4);
            if (i < 0)
                return pa_errmsg(err, err_len, "config: large=%.*s is not system, no_zeroed, no_resize or plain",
                                 (int)vlen, val);
            set_large_variant(&c, (unsigned)i);
        } else if (KEY("decommit")) {
            int i = name_index(val, vlen, DECOMMIT_NAMES, 2);
            if (i < 0)
                return pa_errmsg(err, err_len, "config: decommit=%.*s is not never or free_pools", (int)vlen, val);
            c.decommit = (pa_decommit_policy)i;
        } else if (!is_num) {
            return pa_errmsg(err, err_len, "config: %.*s needs a number, found '%.*s'", (int)klen, key, (int)vlen, val);
        } else if (KEY("align")) {
            c.alignment = (size_t)num;
        } else if (KEY("threshold")) {
            c.small_threshold = (size_t)num;
        } else if (KEY("pool")) {
            c.pool_size = (size_t)num;
        } else if (KEY("arena")) {
            c.arena_size = (size_t)num;
        } else if (KEY("keep")) {
            c.decommit_keep_pools = (unsigned)num;
        } else if (KEY("spares")) {
            if (num > 1)
                return pa_errmsg(err, err_len, "config: spares=%.*s is not 0 or 1", (int)vlen, val);
            c.keep_spare_pools = (int)num;
        } else if (KEY("limit")) {
            c.memory_limit = (size_t)num;
        } else if (KEY("debug")) {
            c.debug = (int)num;
        } else if (KEY("quarantine")) {
            c.debug_quarantine = (unsigned)num;
        } else {
            return pa_errmsg(err, err_len, "config: unknown key '%.*s'", (int)klen, key);
        }
#undef KEY
    }
    char why[160];
    if (pa_config_validate(&c, why, sizeof why))
        return pa_errmsg(err, err_len, "config: %s", why);
    *cfg = c;
    return 1;
}
