/* pa-trace2seed: turn a recorded trace (trace/trace_format.h) into fuzz
 * seeds in the op encoding.
 *   pa-trace2seed [--target default|config] [--max-ops N] [--split N] TRACE OUT
 * --split N cuts the trace into seeds of N ops each (OUT.0, OUT.1, ...), so a
 * long trace gives seeds short enough to mutate; each piece is renumbered
 * against its own live set. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config_bytes.h"
#include "input.h"
#include "op_edit.h"
#include "trace_convert.h"
#include "trace_format.h"

static int write_seed(const char *path, pa_target t, const pa_op *ops, size_t n) {
    pa_input in;
    in.cfg = pa_config_default();
    in.ops = (pa_op *)ops;
    in.nops = n;
    uint8_t *buf;
    size_t len;
    char err[200];
    if (pa_input_encode(t, &in, &buf, &len, err, sizeof err)) {
        fprintf(stderr, "pa-trace2seed: %s\n", err);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    int rc = f && fwrite(buf, 1, len, f) == len ? 0 : -1;
    if (f && fclose(f))
        rc = -1;
    if (rc)
        fprintf(stderr, "pa-trace2seed: cannot write %s\n", path);
    free(buf);
    return rc;
}

static const char USAGE[] =
    "usage: pa-trace2seed [--target default|config] [--max-ops N] [--split N] TRACE OUT\n"
    "  --max-ops N   convert the first N ops of TRACE at most\n"
    "  --split N     seeds of N ops each: OUT.0, OUT.1, ...\n"
    "exit status: 0 written, 1 TRACE is malformed, 2 usage or I/O error\n";

int main(int argc, char **argv) {
    pa_cli cli = {"pa-trace2seed", USAGE, argc, argv};
    int target = PA_TARGET_DEFAULT;
    size_t max_ops = 0, split = 0;
    const char *in_path = NULL, *out_path = NULL;
    for (int i = 1; i < argc; i++) {
        uint64_t n;
        if (!strcmp(argv[i], "--target")) {
            const char *name = pa_cli_operand(&cli, &i);
            if (!name)
                return PA_CLI_USAGE;
            target = pa_target_from_name(name);
            if (target != PA_TARGET_DEFAULT && target != PA_TARGET_CONFIG)
                return pa_cli_error(&cli, "target %s: seeds are made for default or config", name);
        } else if (!strcmp(argv[i], "--max-ops")) {
            if (pa_cli_number(&cli, &i, 1, PA_OPS_MAX, &n))
                return PA_CLI_USAGE;
            max_ops = (size_t)n;
        } else if (!strcmp(argv[i], "--split")) {
            if (pa_cli_number(&cli, &i, 1, PA_OPS_MAX, &n))
                return PA_CLI_USAGE;
            split = (size_t)n;
        } else if (pa_cli_is_help(argv[i])) {
            return pa_cli_help(&cli);
        } else if (pa_cli_positional(&cli, argv[i], &in_path, &out_path, "one TRACE and one OUT")) {
            return PA_CLI_USAGE;
        }
    }
    if (!in_path || !out_path)
        return pa_cli_error(&cli, "TRACE and OUT are both needed");
    pa_op *ops;
    size_t nops;
    pa_trace_convert_stats st;
    char err[300];
    int rc = pa_trace_file_to_ops(in_path, max_ops, &ops, &nops, &st, err, sizeof err);
    if (rc) {
        fprintf(stderr, "pa-trace2seed: %s\n", rc == -2 ? "out of memory" : err);
        return rc == -2 ? 2 : 1;
    }
    int bad = 0;
    size_t seeds = 0;
    if (!split || nops <= split) {
        bad = write_seed(out_path, (pa_target)target, ops, nops);
        seeds = 1;
    } else {
        pa_block_ref *refs = malloc(nops * sizeof *refs);
        size_t *orig = malloc(split * sizeof *orig);
        pa_op *piece = malloc(split * sizeof *piece);
        if (!refs || !orig || !piece || pa_ops_resolve(ops, nops, refs)) {
            fprintf(stderr, "pa-trace2seed: out of memory\n");
            return 2;
        }
        for (size_t start = 0; start < nops && !bad; start += split) {
            size_t n = nops - start < split ? nops - start : split;
            for (size_t i = 0; i < n; i++)
                orig[i] = start + i;
            /* ops on blocks made before the piece are dropped by renumbering */
            size_t m = pa_ops_renumber(ops + start, orig, n, refs, piece, NULL);
            char path[4096];
            snprintf(path, sizeof path, "%s.%zu", out_path, seeds++);
            bad = write_seed(path, (pa_target)target, piece, m);
        }
        free(refs);
        free(orig);
        free(piece);
    }
    printf("%s: %zu ops converted, %zu dropped, %zu approximated; %zu seed%s\n", in_path, st.converted,
           st.dropped, st.approximated, seeds, seeds == 1 ? "" : "s");
    free(ops);
    return bad ? 2 : 0;
}
