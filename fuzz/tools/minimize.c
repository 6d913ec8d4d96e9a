/* pa-fuzz-minimize: an op-aware minimizer. It drops ops (halves, quarters,
 * ... single ops, to a fixpoint), renumbers live-set indices so every kept op
 * still names the block it named before, and shrinks alloc_many and
 * free_range counts, keeping only candidates that fail with the same
 * signature. trace_parser inputs are minimized by lines. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config_bytes.h"
#include "fuzz_target.h"
#include "input.h"
#include "isolate.h"
#include "op_edit.h"

typedef struct ctx {
    pa_target target;
    pa_fuzz_fn fn;
    const char *command;  /* an external replay program judges candidates */
    char want[160];
    int full;
    unsigned timeout;
    size_t tries, max_tries;
    time_t deadline;
    uint8_t prefix[PA_CONFIG_BYTES];
    size_t prefix_len;
} ctx;

static char scratch_path[64]; /* removed at exit */

static void remove_scratch(void) {
    if (scratch_path[0])
        unlink(scratch_path);
}

static int out_of_budget(const ctx *c) {
    return c->tries >= c->max_tries || time(NULL) >= c->deadline;
}

/* One run of a candidate, in a child: the target's function, or the
 * external program on a file holding it. 0, or -1 if it could not run. */
static int run_candidate(ctx *c, const uint8_t *data, size_t len, pa_isolated *r) {
    if (!c->command)
        return pa_run_isolated(c->fn, data, len, c->full, c->timeout, r);
    FILE *f = fopen(scratch_path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f))
        return -1;
    return pa_run_command_isolated(c->command, scratch_path, c->timeout, r);
}

/* The largest power of two at most half of n (at least 1): chunks that
 * halve through powers of two also try 4, which keeps every later op's
 * position mod 4 (the contract target picks a call by it). */
static size_t first_chunk(size_t n) {
    size_t chunk = 1;
    while (chunk * 4 <= n)
        chunk *= 2;
    return chunk;
}

static int still_fails(ctx *c, const uint8_t *data, size_t len) {
    pa_isolated r;
    c->tries++;
    if (run_candidate(c, data, len, &r))
        return 0;
    int same = r.failed && strcmp(r.signature, c->want) == 0;
    pa_isolated_free(&r);
    return same;
}

/* ---- heap targets: ops ------------------------------------------------ */

typedef struct oplist {
    pa_op *ops;
    size_t *orig;
    size_t n;
} oplist;

static int ops_fail(ctx *c, const pa_op *ops, size_t n) {
    uint8_t *buf = malloc(c->prefix_len + 1);
    size_t len = c->prefix_len;
    if (!buf)
        return 0;
    memcpy(buf, c->prefix, c->prefix_len);
    if (pa_ops_encode(ops, n, &buf, &len)) {
        free(buf);
        return 0;
    }
    int r = still_fails(c, buf, len);
    free(buf);
    return r;
}

/* Try cur with ops [from, to) removed and op `change` (if < n) replaced. */
static int try_edit(ctx *c, oplist *cur, const pa_block_ref *refs, size_t from, size_t to,
                    size_t change, const pa_op *changed, pa_op *scratch_ops, size_t *scratch_orig,
                    pa_op *out_ops, size_t *out_orig) {
    size_t m = 0;
    for (size_t i = 0; i < cur->n; i++) {
        if (i >= from && i < to)
            continue;
        scratch_ops[m] = i == change ? *changed : cur->ops[i];
        scratch_orig[m] = cur->orig[i];
        m++;
    }
    size_t k = pa_ops_renumber(scratch_ops, scratch_orig, m, refs, out_ops, out_orig);
    if (k == cur->n && from == to && change >= cur->n)
        return 0;
    if (!ops_fail(c, out_ops, k))
        return 0;
    memcpy(cur->ops, out_ops, k * sizeof *out_ops);
    memcpy(cur->orig, out_orig, k * sizeof *out_orig);
    cur->n = k;
    return 1;
}

static size_t minimize_ops(ctx *c, pa_op *ops, size_t n, pa_op **result) {
    pa_block_ref *refs = malloc((n ? n : 1) * sizeof *refs);
    oplist cur = {malloc((n ? n : 1) * sizeof(pa_op)), malloc((n ? n : 1) * sizeof(size_t)), n};
    pa_op *s_ops = malloc((n ? n : 1) * sizeof(pa_op)), *o_ops = malloc((n ? n : 1) * sizeof(pa_op));
    size_t *s_orig = malloc((n ? n : 1) * sizeof(size_t)), *o_orig = malloc((n ? n : 1) * sizeof(size_t));
    if (!refs || !cur.ops || !cur.orig || !s_ops || !o_ops || !s_orig || !o_orig || pa_ops_resolve(ops, n, refs)) {
        fprintf(stderr, "pa-fuzz-minimize: out of memory\n");
        exit(2);
    }
    memcpy(cur.ops, ops, n * sizeof *ops);
    for (size_t i = 0; i < n; i++)
        cur.orig[i] = i;
    int progress = 1;
    while (progress && !out_of_budget(c)) {
        progress = 0;
        /* drop chunks, largest first */
        for (size_t chunk = first_chunk(cur.n); chunk >= 1 && !out_of_budget(c); chunk /= 2) {
            size_t start = 0;
            while (start < cur.n && !out_of_budget(c)) {
                size_t end = start + chunk < cur.n ? start + chunk : cur.n;
                if (try_edit(c, &cur, refs, start, end, SIZE_MAX, NULL, s_ops, s_orig, o_ops, o_orig))
                    progress = 1; /* the ops after start moved down: retry here */
                else
                    start += chunk;
            }
            if (chunk == 1)
                break;
        }
        /* shrink counts */
        for (size_t i = 0; i < cur.n && !out_of_budget(c); i++) {
            pa_op op = cur.ops[i];
            if ((op.kind == PA_OP_ALLOC_MANY || op.kind == PA_OP_FREE_RANGE) && op.arg > 0) {
                pa_op smaller = op;
                smaller.arg = (uint8_t)(op.arg / 2);
                if (try_edit(c, &cur, refs, 0, 0, i, &smaller, s_ops, s_orig, o_ops, o_orig))
                    progress = 1;
            }
        }
    }
    free(refs);
    free(s_ops);
    free(o_ops);
    free(s_orig);
    free(o_orig);
    free(cur.orig);
    *result = cur.ops;
    return cur.n;
}

/* ---- trace_parser: lines ----------------------------------------------- */

static size_t join_lines(char **lines, size_t n, uint8_t *out) {
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(lines[i]);
        memcpy(out + len, lines[i], l);
        len += l;
        out[len++] = '\n';
    }
    return len;
}

static size_t minimize_lines(ctx *c, uint8_t *data, size_t len, uint8_t **out) {
    char **lines = malloc((len + 1) * sizeof *lines);
    char **cand = malloc((len + 1) * sizeof *cand);
    uint8_t *buf = malloc(len + 2);
    char *copy = malloc(len + 1);
    if (!lines || !cand || !buf || !copy) {
        fprintf(stderr, "pa-fuzz-minimize: out of memory\n");
        exit(2);
    }
    memcpy(copy, data, len);
    copy[len] = '\0';
    size_t n = 0;
    for (char *p = copy; p && *p;) {
        lines[n++] = p;
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
    }
    int progress = 1;
    while (progress && !out_of_budget(c)) {
        progress = 0;
        for (size_t chunk = first_chunk(n); chunk >= 1 && !out_of_budget(c); chunk /= 2) {
            size_t start = 0;
            while (start < n && !out_of_budget(c)) {
                size_t end = start + chunk < n ? start + chunk : n, m = 0;
                for (size_t i = 0; i < n; i++)
                    if (i < start || i >= end)
                        cand[m++] = lines[i];
                size_t bl = join_lines(cand, m, buf);
                if (m < n && still_fails(c, buf, bl)) {
                    memcpy(lines, cand, m * sizeof *lines);
                    n = m;
                    progress = 1;
                } else {
                    start += chunk;
                }
            }
            if (chunk == 1)
                break;
        }
    }
    size_t bl = join_lines(lines, n, buf);
    /* keep the original if line joining lost what made it fail */
    if (!still_fails(c, buf, bl)) {
        memcpy(buf, data, len);
        bl = len;
    }
    free(lines);
    free(cand);
    free(copy);
    *out = buf;
    return bl;
}

static const char USAGE[] =
    "usage: pa-fuzz-minimize [options] IN OUT\n"
    "  --target NAME     default | config | fault | misuse | trace_parser (default: default)\n"
    "  --command PROG    judge each candidate by running PROG FILE (its output's\n"
    "                    signature: line), e.g. the contract target's replay with its\n"
    "                    allocator preloaded; --target then names the op dialect\n"
    "  --text            IN is the text form (default for *.ops, *.txt)\n"
    "  --signature SIG   keep this failure (default: the one IN shows)\n"
    "  --full            full checks after every op while judging candidates\n"
    "  --timeout S       per candidate run, 1 to 86400 (default 20)\n"
    "  --max-tries N     candidate runs at most (default 4000)\n"
    "  --max-time S      seconds at most, 1 to 604800 (default 300)\n"
    "Writes OUT (bytes) and, for the heap targets, OUT.ops (text).\n"
    "exit status: 0 minimized, 1 IN does not fail, 2 usage or I/O error\n";

int main(int argc, char **argv) {
    ctx c;
    memset(&c, 0, sizeof c);
    c.timeout = 20;
    c.max_tries = 4000;
    long max_time = 300;
    int text = -1;
    const char *in_path = NULL, *out_path = NULL;
    pa_cli cli = {"pa-fuzz-minimize", USAGE, argc, argv};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        uint64_t n;
        if (!strcmp(a, "--target")) {
            const char *name = pa_cli_operand(&cli, &i);
            if (!name)
                return PA_CLI_USAGE;
            int t = pa_target_from_name(name);
            if (t < 0)
                return pa_cli_error(&cli, "unknown target %s", name);
            c.target = (pa_target)t;
        } else if (!strcmp(a, "--command")) {
            c.command = pa_cli_operand(&cli, &i);
            if (!c.command)
                return PA_CLI_USAGE;
        } else if (!strcmp(a, "--text")) {
            text = 1;
        } else if (!strcmp(a, "--signature")) {
            const char *sig = pa_cli_operand(&cli, &i);
            if (!sig)
                return PA_CLI_USAGE;
            snprintf(c.want, sizeof c.want, "%s", sig);
        } else if (!strcmp(a, "--full")) {
            c.full = 1;
        } else if (!strcmp(a, "--timeout")) {
            if (pa_cli_number(&cli, &i, 1, 86400, &n))
                return PA_CLI_USAGE;
            c.timeout = (unsigned)n;
        } else if (!strcmp(a, "--max-tries")) {
            if (pa_cli_number(&cli, &i, 1, SIZE_MAX, &n))
                return PA_CLI_USAGE;
            c.max_tries = (size_t)n;
        } else if (!strcmp(a, "--max-time")) {
            if (pa_cli_number(&cli, &i, 1, 604800, &n))
                return PA_CLI_USAGE;
            max_time = (long)n;
        } else if (pa_cli_is_help(a)) {
            return pa_cli_help(&cli);
        } else if (pa_cli_positional(&cli, a, &in_path, &out_path, "one IN and one OUT")) {
            return PA_CLI_USAGE;
        }
    }
    if (!in_path || !out_path)
        return pa_cli_error(&cli, "IN and OUT are both needed");
    c.deadline = time(NULL) + max_time;
    c.fn = pa_fuzz_target_by_name(pa_target_name(c.target));
    if (c.command) {
        snprintf(scratch_path, sizeof scratch_path, "/tmp/pa-fuzz-minimize.XXXXXX");
        int fd = mkstemp(scratch_path);
        if (fd < 0) {
            fprintf(stderr, "pa-fuzz-minimize: cannot make a scratch file in /tmp\n");
            return 2;
        }
        close(fd);
        atexit(remove_scratch);
    } else if (!c.fn) {
        fprintf(stderr, "pa-fuzz-minimize: target %s is not built\n", pa_target_name(c.target));
        return 2;
    }
    uint8_t *data;
    size_t len;
    char err[400];
    if (pa_input_load(c.target, in_path, text, &data, &len, err, sizeof err)) {
        fprintf(stderr, "pa-fuzz-minimize: %s\n", err);
        return 2;
    }
    int heap = c.target != PA_TARGET_TRACE_PARSER;
    pa_input in;
    memset(&in, 0, sizeof in);
    pa_isolated base;
    if (run_candidate(&c, data, len, &base)) {
        fprintf(stderr, "pa-fuzz-minimize: cannot run the target\n");
        free(data);
        return 2;
    }
    int refuse = 0;
    if (!base.failed) {
        fprintf(stderr, "pa-fuzz-minimize: %s does not fail\n", in_path);
        refuse = 1;
    } else if (!c.want[0]) {
        snprintf(c.want, sizeof c.want, "%s", base.signature);
    } else if (strcmp(c.want, base.signature)) {
        fprintf(stderr, "pa-fuzz-minimize: %s fails with %s, not %s\n", in_path, base.signature, c.want);
        refuse = 1;
    }
    pa_isolated_free(&base);
    if (refuse) {
        free(data);
        return 1;
    }

    uint8_t *result = NULL;
    size_t result_len = 0, before = 0, after = 0;
    if (heap) {
        pa_input_decode(c.target, data, len, &in);
        c.prefix_len = c.target == PA_TARGET_CONFIG ? (len < PA_CONFIG_BYTES ? len : PA_CONFIG_BYTES) : 0;
        memcpy(c.prefix, data, c.prefix_len);
        pa_op *small;
        before = in.nops;
        after = minimize_ops(&c, in.ops, in.nops, &small);
        result = malloc(c.prefix_len + 1);
        result_len = c.prefix_len;
        if (result)
            memcpy(result, c.prefix, c.prefix_len);
        if (!result || pa_ops_encode(small, after, &result, &result_len)) {
            fprintf(stderr, "pa-fuzz-minimize: out of memory\n");
            return 2;
        }
        pa_input_free(&in);
        in.ops = small;
        in.nops = after;
    } else {
        before = len;
        result_len = minimize_lines(&c, data, len, &result);
        after = result_len;
    }
    FILE *out = fopen(out_path, "wb");
    if (!out || fwrite(result, 1, result_len, out) != result_len || fclose(out)) {
        fprintf(stderr, "pa-fuzz-minimize: cannot write %s\n", out_path);
        return 2;
    }
    if (heap) {
        char tpath[4096];
        snprintf(tpath, sizeof tpath, "%s.ops", out_path);
        FILE *t = fopen(tpath, "w");
        if (!t) {
            fprintf(stderr, "pa-fuzz-minimize: cannot write %s\n", tpath);
            return 2;
        }
        fprintf(t, "# failure: %s\n", c.want);
        pa_input_print(t, c.target, &in, 1);
        fclose(t);
        pa_input_free(&in);
    }
    printf("minimized %s: %zu -> %zu %s, %zu candidate runs, signature %s\n", in_path, before, after,
           heap ? "ops" : "bytes", c.tries, c.want);
    free(result);
    free(data);
    return 0;
}
