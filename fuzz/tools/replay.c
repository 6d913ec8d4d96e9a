/* pa-fuzz-replay: replay one input of a fuzz target the way a person
 * debugging it wants: the decoded ops with their numbers, full checks after
 * every op, the first failure with its report; optionally a C reproducer. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "executor.h"
#include "fuzz_target.h"
#include "input.h"
#include "isolate.h"
#include "reproducer_write.h"

static const char USAGE[] =
    "usage: pa-fuzz-replay [options] FILE\n"
    "  --target NAME      default | config | fault | misuse | interleave | trace_parser (default: from a\n"
    "                     corpus/<target>/ or regressions/<target>/ path, else default)\n"
    "  --text | --bytes   the input's form (default: *.ops and *.txt are text)\n"
    "  --quiet            do not print the decoded ops\n"
    "  --trace            print each op as it runs (the last names a crashing op)\n"
    "  --incremental      check as the fuzzers do: incremental per op, full at the end\n"
    "  --isolate          run in a child process; print the failure signature\n"
    "  --reproducer OUT.c write a standalone C reproducer of the input\n"
    "exit status: 0 the input passes, 1 it fails, 2 usage or I/O error\n";

static pa_target target_from_path(const char *path) {
    for (int t = 0; t < PA_TARGET_COUNT; t++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "corpus/%s/", pa_target_name((pa_target)t));
        snprintf(b, sizeof b, "regressions/%s/", pa_target_name((pa_target)t));
        if (strstr(path, a) || strstr(path, b))
            return (pa_target)t;
    }
    return PA_TARGET_DEFAULT;
}

int main(int argc, char **argv) {
    pa_cli cli = {"pa-fuzz-replay", USAGE, argc, argv};
    int target = -1, text = -1, quiet = 0, trace = 0, incremental = 0, isolate = 0;
    const char *path = NULL, *repro = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--target")) {
            const char *name = pa_cli_operand(&cli, &i);
            if (!name)
                return PA_CLI_USAGE;
            target = pa_target_from_name(name);
            if (target < 0)
                return pa_cli_error(&cli, "unknown target %s", name);
        } else if (!strcmp(a, "--text")) {
            text = 1;
        } else if (!strcmp(a, "--bytes")) {
            text = 0;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--trace")) {
            trace = 1;
        } else if (!strcmp(a, "--incremental")) {
            incremental = 1;
        } else if (!strcmp(a, "--isolate")) {
            isolate = 1;
        } else if (!strcmp(a, "--reproducer")) {
            if (!(repro = pa_cli_operand(&cli, &i)))
                return PA_CLI_USAGE;
        } else if (pa_cli_is_help(a)) {
            return pa_cli_help(&cli);
        } else if (a[0] == '-' && a[1]) {
            return pa_cli_error(&cli, "unknown option %s", a);
        } else if (path) {
            return pa_cli_error(&cli, "one FILE at a time (got %s and %s)", path, a);
        } else {
            path = a;
        }
    }
    if (!path)
        return pa_cli_error(&cli, "no FILE");
    if (target < 0)
        target = target_from_path(path);
    uint8_t *data;
    size_t len;
    char err[400];
    if (pa_input_load((pa_target)target, path, text, &data, &len, err, sizeof err)) {
        fprintf(stderr, "pa-fuzz-replay: %s\n", err);
        return 2;
    }
    pa_input in;
    memset(&in, 0, sizeof in);
    int heap = pa_target_is_heap((pa_target)target);
    if (heap)
        pa_input_decode((pa_target)target, data, len, &in);
    int rc = 0;
    if (heap && !quiet)
        pa_input_print(stdout, (pa_target)target, &in, 1);
    else if (!quiet)
        printf("# trace_parser input, %zu bytes\n", len);
    fflush(stdout);
    char signature[160] = "";
    if (isolate) {
        pa_fuzz_fn fn = pa_fuzz_target_by_name(pa_target_name((pa_target)target));
        pa_isolated r;
        if (!fn || pa_run_isolated(fn, data, len, !incremental, 60, &r)) {
            fprintf(stderr, "pa-fuzz-replay: cannot run target %s\n", pa_target_name((pa_target)target));
            rc = 2;
        } else {
            if (r.failed) {
                fputs(r.output ? r.output : "", stderr);
                snprintf(signature, sizeof signature, "%s", r.signature);
                printf("signature: %s\n", r.signature);
                rc = 1;
            } else {
                printf("passed\n");
            }
            pa_isolated_free(&r);
        }
    } else if (heap) {
        if (!quiet)
            printf("# running %zu ops with %s\n", in.nops,
                   incremental ? "incremental checks per op" : "full checks after every op");
        fflush(stdout);
        pa_exec_options opt = {!incremental, trace, stdout, NULL, NULL, NULL};
        pa_exec_failure f;
        pa_exec_stats st;
        if (pa_exec_target_run(target, &in.cfg, in.ops, in.nops, &opt, &f, &st)) {
            fflush(stdout);
            pa_exec_failure_print(stderr, &f, &in.cfg, in.nops);
            pa_exec_failure_signature(&f, signature, sizeof signature);
            pa_exec_failure_free(&f);
            rc = 1;
        } else {
            printf("passed: %zu ops, at most %zu live, %zu NULL results, %zu heap re-creations\n",
                   st.ops_run, st.max_live, st.null_results, st.destroys);
        }
    } else {
        pa_fuzz_fn fn = pa_fuzz_target_by_name("trace_parser");
        if (!fn) {
            fprintf(stderr, "pa-fuzz-replay: the trace_parser target is not built\n");
            rc = 2;
        } else {
            fn(data, len); /* aborts with the report on failure */
            printf("passed\n");
        }
    }
    if (repro && rc != 2) {
        FILE *out = fopen(repro, "w");
        if (!out || pa_reproducer_write(out, (pa_target)target, data, len, signature, path)) {
            fprintf(stderr, "pa-fuzz-replay: cannot write %s\n", repro);
            rc = 2;
        }
        if (out)
            fclose(out);
        else
            rc = 2;
    }
    pa_input_free(&in);
    free(data);
    return rc;
}
