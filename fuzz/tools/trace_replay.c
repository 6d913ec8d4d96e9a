/* pa-trace-replay: replays recorded traces (trace/trace_format.h) in full
 * through a heap with the oracle and the invariant checker on
 * (trace_exec.h), streaming each file: any length, any live set. A progress
 * line goes to stderr every few seconds, a summary per trace to stdout. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config_bytes.h"
#include "trace_exec.h"
#include "trace_format.h"
#include "trace_pipe.h"
#include "trace_prefetch.h"

static const char USAGE[] =
    "usage: pa-trace-replay [options] TRACE...\n"
    "  --config \"config ...\"  the heap's configuration (default: the default heap's)\n"
    "  --full-every N         the full check (heap, ghost state, contents of every live\n"
    "                         block, counts) after every N ops (default 65536) and at the end\n"
    "  --full                 the full check after every op (--full-every 1)\n"
    "  --max-ops N            replay only the first N ops of each trace\n"
    "  --quiet                no progress lines\n"
    "TRACE '-' reads standard input. Every op runs with the oracle and the incremental\n"
    "check; what cannot be replayed exactly is counted per op kind in the summary.\n"
    "exit status: 0 every op of every trace replayed and passed; 1 a check failed or\n"
    "an op could not be replayed; 2 usage error, unreadable or malformed trace\n";

typedef struct options {
    pa_config cfg;
    uint64_t full_every, max_ops;
    int quiet;
} options;

#define PROGRESS_SECONDS 2.0

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char KIND_LETTERS[PA_REPLAY_KINDS] = {'m', 'c', 'r', 'f', 'a'};

/* failed: a check failed (its report is on stderr). */
static void print_summary(const char *path, const pa_replay_stats *st, double secs, int truncated, int failed) {
    printf("%s: %s: %" PRIu64 " ops replayed (m %" PRIu64 ", c %" PRIu64 ", r %" PRIu64 ", f %" PRIu64 ", a %" PRIu64
           ")%s; peak live %zu blocks, %zu bytes; %" PRIu64 " full checks; %.2f s, %.0f checked ops/s\n",
           path, failed || st->not_replayed ? "FAILED" : "passed", st->ops, st->by_kind[0], st->by_kind[1], st->by_kind[2],
           st->by_kind[3], st->by_kind[4], truncated ? " (--max-ops: the rest not read)" : "", st->peak_live,
           st->peak_live_bytes, st->full_checks, secs, secs > 0 ? (double)st->ops / secs : 0.0);
    for (int n = 0; n < PA_NOTE_KINDS; n++)
        for (int k = 0; k < PA_REPLAY_KINDS; k++)
            if (st->notes[n][k])
                printf("  %c: %" PRIu64 " %s\n", KIND_LETTERS[k], st->notes[n][k],
                       pa_replay_note_text((pa_replay_note)n));
    if (st->not_replayed)
        printf("%s: %" PRIu64 " ops could not be replayed\n", path, st->not_replayed);
}

/* 0 passed, 1 failed or not replayed in full, 2 unreadable or malformed. */
static int replay(const char *path, const options *o) {
    int is_stdin = !strcmp(path, "-");
    FILE *in = is_stdin ? stdin : fopen(path, "r");
    if (!in) {
        fprintf(stderr, "pa-trace-replay: %s: cannot open: ", path);
        perror(NULL);
        return 2;
    }
    const char *name = is_stdin ? "<stdin>" : path;
    pa_replay_failure f;
    pa_trace_reader *r = pa_trace_reader_new(in, name);
    pa_trace_exec *x = r ? pa_trace_exec_new(&o->cfg, o->full_every, &f) : NULL;
    int status = 0;
    if (!r || !x) {
        fprintf(stderr, "pa-trace-replay: %s: %s\n", name, r ? f.detail : "out of memory");
        status = 2;
        goto out;
    }
    double start = now(), last = start;
    pa_trace_pipe *pipe = pa_trace_pipe_start(r, o->max_ops);
    if (!pipe) {
        fprintf(stderr, "pa-trace-replay: %s: out of memory\n", name);
        status = 2;
        goto out;
    }
    pa_trace_prefetch prefetch;
    pa_trace_exec_prefetch_init(x, &prefetch);
    pa_trace_pipe_end end;
    const pa_trace_op *op;
    unsigned long long line;
    char err[512];
    while ((end = pa_trace_pipe_next(pipe, &op, &line, err, sizeof err)) == PA_PIPE_MORE) {
        pa_trace_prefetch_step(&prefetch, pipe);
        if (pa_trace_exec_op(x, op, line, &f)) {
            status = 1;
            break;
        }
        const pa_replay_stats *st = pa_trace_exec_stats(x);
        if (!o->quiet && (st->ops & 0xffff) == 0 && now() - last >= PROGRESS_SECONDS) {
            last = now();
            fprintf(stderr, "%s: %" PRIu64 " ops, %zu live blocks, %.0f ops/s\n", name, st->ops, st->live,
                    (double)st->ops / (last - start));
        }
    }
    pa_trace_pipe_stop(pipe);
    if (end == PA_PIPE_MALFORMED) {
        fprintf(stderr, "pa-trace-replay: %s\n", err);
        status = 2;
        goto out;
    }
    int truncated = end == PA_PIPE_MAX_OPS;
    if (status == 0 && pa_trace_exec_finish(x, &f))
        status = 1;
    if (status == 1) {
        fflush(stdout);
        pa_replay_failure_print(stderr, &f, name, pa_trace_exec_config(x));
        pa_replay_failure_free(&f);
    }
    const pa_replay_stats *st = pa_trace_exec_stats(x);
    print_summary(name, st, now() - start, truncated, status == 1);
    if (st->not_replayed && status == 0)
        status = 1;
out:
    pa_trace_exec_free(x);
    pa_trace_reader_free(r);
    if (!is_stdin)
        fclose(in);
    return status;
}

/* The options into o, the TRACE operands into traces (*ntraces of them):
 * -1 to go on, or the exit status (--help, a usage error). */
static int parse_args(const pa_cli *cli, options *o, const char **traces, int *ntraces) {
    for (int i = 1; i < cli->argc; i++) {
        const char *a = cli->argv[i];
        if (!strcmp(a, "--full")) {
            o->full_every = 1;
        } else if (!strcmp(a, "--full-every")) {
            if (pa_cli_number(cli, &i, 1, UINT64_MAX, &o->full_every))
                return PA_CLI_USAGE;
        } else if (!strcmp(a, "--max-ops")) {
            if (pa_cli_number(cli, &i, 1, UINT64_MAX, &o->max_ops))
                return PA_CLI_USAGE;
        } else if (!strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (!strcmp(a, "--config")) {
            const char *text = pa_cli_operand(cli, &i);
            char err[300] = "";
            if (!text)
                return PA_CLI_USAGE;
            if (pa_config_parse(text, &o->cfg, err, sizeof err) != 1)
                return pa_cli_error(cli, "--config: %s", err[0] ? err : "expected \"config key=value ...\"");
        } else if (pa_cli_is_help(a)) {
            return pa_cli_help(cli);
        } else if (a[0] == '-' && a[1]) {
            return pa_cli_error(cli, "unknown option %s", a);
        } else {
            traces[(*ntraces)++] = a;
        }
    }
    return *ntraces ? -1 : pa_cli_error(cli, "no TRACE");
}

int main(int argc, char **argv) {
    pa_cli cli = {"pa-trace-replay", USAGE, argc, argv};
    options o = {pa_config_default(), 65536, 0, 0};
    const char **traces = calloc((size_t)argc, sizeof *traces);
    if (!traces) {
        fputs("pa-trace-replay: out of memory\n", stderr);
        return 2;
    }
    int ntraces = 0;
    int status = parse_args(&cli, &o, traces, &ntraces);
    if (status < 0) {
        status = 0;
        for (int t = 0; t < ntraces; t++) {
            int rc = replay(traces[t], &o);
            if (rc > status)
                status = rc;
        }
    }
    free(traces);
    return status;
}
