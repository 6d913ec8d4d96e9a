/* Inputs of the heap targets in their two forms. */
#include "input.h"

#include <stdlib.h>
#include <string.h>

#include "config_bytes.h"
#include "errmsg.h"

static const char *const TARGET_NAMES[PA_TARGET_COUNT] = {"default", "config", "trace_parser", "fault", "misuse",
                                                          "interleave"};

int pa_target_is_heap(pa_target t) {
    return t == PA_TARGET_DEFAULT || t == PA_TARGET_CONFIG || t == PA_TARGET_FAULT || t == PA_TARGET_MISUSE ||
           t == PA_TARGET_INTERLEAVE;
}

unsigned pa_target_features(pa_target t) {
    return t == PA_TARGET_FAULT       ? PA_OPS_FAULTS
           : t == PA_TARGET_MISUSE     ? PA_OPS_MISUSES
           : t == PA_TARGET_INTERLEAVE ? PA_OPS_THREADS
                                       : 0;
}

pa_config pa_target_config(pa_target t) {
    pa_config cfg = pa_config_default();
    if (t == PA_TARGET_FAULT) {
        /* OS requests every few ops: 4 KiB pools, 16 of them per arena, every
         * free pool decommitted, every empty arena returned. A 4 KiB pool
         * holds two blocks of at most 1792 bytes after its header, so the
         * threshold is 1792, the largest class it can hold two of (the
         * default's 4096 is illegal here): linear and geometric classes
         * both meet the injected failures. */
        cfg.small_threshold = 1792;
        cfg.pool_size = 4096;
        cfg.arena_size = 65536;
        cfg.decommit = PA_DECOMMIT_FREE_POOLS;
        cfg.decommit_keep_pools = 0;
        cfg.empty_arenas = PA_EMPTY_ARENA_RELEASE;
    } else if (t == PA_TARGET_MISUSE) {
        cfg.debug = 1;
        cfg.debug_quarantine = 4;
    }
    return cfg;
}

const char *pa_target_name(pa_target t) {
    return (unsigned)t < PA_TARGET_COUNT ? TARGET_NAMES[t] : "?";
}

int pa_target_from_name(const char *name) {
    for (int t = 0; t < PA_TARGET_COUNT; t++)
        if (strcmp(name, TARGET_NAMES[t]) == 0)
            return t;
    return -1;
}

void pa_input_decode(pa_target t, const uint8_t *data, size_t len, pa_input *in) {
    memset(in, 0, sizeof *in);
    if (t == PA_TARGET_CONFIG) {
        pa_config_from_bytes(data, len, &in->cfg);
        size_t skip = len < PA_CONFIG_BYTES ? len : PA_CONFIG_BYTES;
        data += skip;
        len -= skip;
    } else {
        in->cfg = pa_target_config(t);
    }
    in->nops = pa_ops_decode_features(data, len, &in->ops, pa_target_features(t));
}

int pa_input_encode(pa_target t, const pa_input *in, uint8_t **buf, size_t *len, char *err, size_t err_len) {
    *buf = NULL;
    *len = 0;
    if (t == PA_TARGET_CONFIG) {
        uint8_t prefix[PA_CONFIG_BYTES];
        if (pa_config_to_bytes(&in->cfg, prefix, err, err_len))
            return -1;
        *buf = malloc(PA_CONFIG_BYTES);
        if (!*buf)
            return pa_errmsg(err, err_len, "out of memory");
        memcpy(*buf, prefix, PA_CONFIG_BYTES);
        *len = PA_CONFIG_BYTES;
    } else if (!pa_target_is_heap(t)) {
        return pa_errmsg(err, err_len, "target %s has no op encoding", pa_target_name(t));
    }
    if (pa_ops_encode(in->ops, in->nops, buf, len)) {
        free(*buf);
        *buf = NULL;
        return pa_errmsg(err, err_len, "out of memory");
    }
    return 0;
}

int pa_input_parse_text(pa_target t, const char *text, pa_input *in, char *err, size_t err_len) {
    memset(in, 0, sizeof *in);
    in->cfg = pa_target_config(t);
    unsigned features = pa_target_features(t);
    size_t cap = 0, lineno = 0;
    int seen_op = 0;
    const char *p = text;
    char line[1024], why[256];
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        if (n >= sizeof line) {
            pa_input_free(in);
            return pa_errmsg(err, err_len, "%zu: line too long", lineno);
        }
        memcpy(line, p, n);
        line[n] = '\0';
        p += n + (nl ? 1 : 0);
        int rc = pa_config_parse(line, &in->cfg, why, sizeof why);
        if (rc < 0 || (rc > 0 && (t != PA_TARGET_CONFIG || seen_op))) {
            pa_input_free(in);
            if (rc > 0)
                return pa_errmsg(err, err_len, "%zu: a config line belongs to the config target, before any op", lineno);
            return pa_errmsg(err, err_len, "%zu: %s", lineno, why);
        }
        if (rc > 0)
            continue;
        pa_op op;
        rc = pa_op_parse(line, &op, why, sizeof why);
        if (rc < 0) {
            pa_input_free(in);
            return pa_errmsg(err, err_len, "%zu: %s", lineno, why);
        }
        if (rc == 0)
            continue;
        if (((op.kind == PA_OP_FAULT || op.kind == PA_OP_PLACE || op.kind == PA_OP_REMAKE) &&
             !(features & PA_OPS_FAULTS)) ||
            ((op.kind == PA_OP_MISUSE || op.kind == PA_OP_CORRUPT) && !(features & PA_OPS_MISUSES)) ||
            (op.kind == PA_OP_THREAD && !(features & PA_OPS_THREADS))) {
            pa_input_free(in);
            return pa_errmsg(err, err_len, "%zu: target %s has no %s ops", lineno, pa_target_name(t),
                             pa_op_name(op.kind));
        }
        seen_op = 1;
        if (in->nops == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            pa_op *grown = realloc(in->ops, ncap * sizeof *grown);
            if (!grown) {
                pa_input_free(in);
                return pa_errmsg(err, err_len, "out of memory");
            }
            in->ops = grown;
            cap = ncap;
        }
        in->ops[in->nops++] = op;
    }
    if (t == PA_TARGET_CONFIG) {
        uint8_t prefix[PA_CONFIG_BYTES];
        if (pa_config_to_bytes(&in->cfg, prefix, why, sizeof why)) {
            pa_input_free(in);
            return pa_errmsg(err, err_len, "config: %s", why);
        }
    }
    return 0;
}

void pa_input_print(FILE *out, pa_target t, const pa_input *in, int numbered) {
    fprintf(out, "# poolalloc op language v%d, target %s, %zu ops\n", PA_OPS_VERSION, pa_target_name(t), in->nops);
    if (t == PA_TARGET_CONFIG) {
        char line[256];
        pa_config_format(line, sizeof line, &in->cfg);
        fprintf(out, "%s\n", line);
    }
    pa_ops_print(out, in->ops, in->nops, &in->cfg, numbered);
}

void pa_input_free(pa_input *in) {
    free(in->ops);
    in->ops = NULL;
    in->nops = 0;
}

int pa_input_load(pa_target t, const char *path, int text, uint8_t **data, size_t *len,
                  char *err, size_t err_len) {
    *data = pa_read_file(path, len);
    if (!*data)
        return pa_errmsg(err, err_len, "%s: cannot read", path);
    if (text < 0)
        text = pa_path_is_text(path);
    if (!text || !pa_target_is_heap(t))
        return 0;
    pa_input in;
    char why[300];
    int rc = pa_input_parse_text(t, (const char *)*data, &in, why, sizeof why);
    free(*data);
    *data = NULL;
    if (rc)
        return pa_errmsg(err, err_len, "%s:%s", path, why);
    rc = pa_input_encode(t, &in, data, len, why, sizeof why);
    pa_input_free(&in);
    if (rc)
        return pa_errmsg(err, err_len, "%s: %s", path, why);
    return 0;
}

uint8_t *pa_read_file(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap + 1);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        uint8_t *grown = realloc(buf, cap * 2 + 1);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    int bad = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!buf || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int pa_path_is_text(const char *path) {
    size_t n = strlen(path);
    return (n > 4 && strcmp(path + n - 4, ".ops") == 0) || (n > 4 && strcmp(path + n - 4, ".txt") == 0);
}
