/* pa-trace-replay: run recorded traces (trace/trace_format.h) through a
 * heap with the shadow model and the invariant checker on.
 *   pa-trace-replay [--full] [--config "config align=..."] [--max-ops N] TRACE...
 * Incremental checks after every op and full ones at the end by default;
 * --full checks everything after every op. Exit 1 at the first failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config_bytes.h"
#include "executor.h"
#include "trace_convert.h"
#include "trace_format.h"

static const char USAGE[] =
    "usage: pa-trace-replay [--full] [--config \"config ...\"] [--max-ops N] TRACE...\n"
    "exit status: 0 every trace passed, 1 a check failed, 2 usage or I/O error\n";

int main(int argc, char **argv) {
    pa_cli cli = {"pa-trace-replay", USAGE, argc, argv};
    int full = 0, ntraces = 0, failed = 0;
    size_t max_ops = 0;
    pa_config cfg = pa_config_default();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--full")) {
            full = 1;
        } else if (!strcmp(argv[i], "--max-ops")) {
            uint64_t n;
            if (pa_cli_number(&cli, &i, 1, SIZE_MAX, &n))
                return PA_CLI_USAGE;
            max_ops = (size_t)n;
        } else if (pa_cli_is_help(argv[i])) {
            return pa_cli_help(&cli);
        } else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
            char err[300];
            if (pa_config_parse(argv[++i], &cfg, err, sizeof err) != 1) {
                fprintf(stderr, "pa-trace-replay: %s\n", err[0] ? err : "expected \"config key=value ...\"");
                return 2;
            }
        } else if (argv[i][0] == '-') {
            return pa_cli_error(&cli, "unknown option %s", argv[i]);
        } else {
            ntraces++;
            pa_op *ops;
            size_t nops;
            pa_trace_convert_stats cs;
            char err[300];
            int rc = pa_trace_file_to_ops(argv[i], max_ops, &ops, &nops, &cs, err, sizeof err);
            if (rc) {
                fprintf(stderr, "pa-trace-replay: %s\n", rc == -2 ? "out of memory" : err);
                return 2;
            }
            pa_exec_options opt = {full, 0, NULL, NULL, NULL};
            pa_exec_failure fl;
            pa_exec_stats st;
            if (pa_exec_run(&cfg, ops, nops, &opt, &fl, &st)) {
                fprintf(stderr, "%s: FAILED\n", argv[i]);
                pa_exec_failure_print(stderr, &fl, &cfg, nops);
                pa_exec_failure_free(&fl);
                failed++;
            } else {
                printf("%s: passed: %zu ops (%zu dropped, %zu approximated), at most %zu live\n", argv[i],
                       st.ops_run, cs.dropped, cs.approximated, st.max_live);
            }
            free(ops);
            if (failed)
                break;
        }
    }
    if (!ntraces)
        return pa_cli_error(&cli, "no TRACE");
    return failed ? 1 : 0;
}
