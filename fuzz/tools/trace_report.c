/* What a trace replay reports (trace_exec.h): the text of each note on an
 * op that could not be replayed exactly, and a failure as pa-trace-replay
 * prints it. */
#include <stdio.h>
#include <stdlib.h>

#include "config_bytes.h"
#include "trace_exec.h"

const char *pa_replay_note_text(pa_replay_note n) {
    switch (n) {
    case PA_NOTE_BLOCK_WHERE_NULL: return "returned NULL in the trace, a block here (checked, freed at once)";
    case PA_NOTE_REALLOC_FAILED_THERE: return "failed in the trace, succeeded here (checked; the ID takes the new block)";
    case PA_NOTE_REALLOC_ZERO_BLOCK: return "realloc(p, 0) freed p in the trace and returned NULL, here a minimal block (checked, freed at once)";
    case PA_NOTE_NULL_HERE: return "NOT REPLAYED: NULL (ENOMEM) here where the trace's call returned a block";
    case PA_NOTE_LOST_ID: return "NOT REPLAYED: names a block this heap could not make";
    default: return "?";
    }
}

void pa_replay_failure_print(FILE *out, const pa_replay_failure *f, const char *trace, const pa_config *cfg) {
    fprintf(out, "=== poolalloc trace replay failure: %s ===\n", f->kind);
    if (f->has_op) {
        fprintf(out, "at op %llu, %s:%llu: ", (unsigned long long)f->op_index, trace, f->line);
        pa_trace_write_op(out, &f->op);
    } else {
        fprintf(out, "at the end of %s, after %llu ops\n", trace, (unsigned long long)f->op_index);
    }
    if (cfg) {
        char line[256];
        pa_config_format(line, sizeof line, cfg);
        fprintf(out, "%s\n", line);
    }
    fprintf(out, "detail: %s\n", f->detail);
    if (f->checker_text)
        fprintf(out, "checker report:\n%s", f->checker_text);
}

void pa_replay_failure_free(pa_replay_failure *f) {
    free(f->checker_text);
    f->checker_text = NULL;
}
