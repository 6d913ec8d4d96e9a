/* The executor's failures: the first one recorded, and its report. */
#include "exec_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "config_bytes.h"

static char *report_text(const pa_check_report *r) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    pa_check_report_print(r, m);
    fclose(m);
    return buf;
}

int ex_fail(exec *ex, const char *kind, const char *fmt, ...) {
    pa_exec_failure *f = ex->f;
    if (f->failed)
        return -1;
    f->failed = 1;
    f->op_index = ex->op_index;
    f->has_op = ex->op != NULL;
    if (ex->op)
        f->op = *ex->op;
    snprintf(f->kind, sizeof f->kind, "%s", kind);
    snprintf(f->place, sizeof f->place, "%s",
             ex->op ? pa_op_name(ex->op->kind) : ex->op_index == SIZE_MAX ? "setup" : "teardown");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->detail, sizeof f->detail, fmt, ap);
    va_end(ap);
    return -1;
}

/* A checker run that found something. */
int ex_fail_report(exec *ex, const char *what, const pa_check_report *rep) {
    size_t n = pa_check_report_count(rep);
    char kind[64];
    snprintf(kind, sizeof kind, "CHECK_%s", n ? pa_check_report_id(rep, 0) : "UNKNOWN");
    ex_fail(ex, kind, "%s found %zu violation%s", what, n, n == 1 ? "" : "s");
    if (!ex->f->checker_text)
        ex->f->checker_text = report_text(rep);
    return -1;
}

int ex_fail_checker(exec *ex, const char *what) { return ex_fail_report(ex, what, ex->rep); }

void pa_exec_failure_print(FILE *out, const pa_exec_failure *f, const pa_config *cfg, size_t nops) {
    char line[256];
    fprintf(out, "=== poolalloc fuzz failure: %s ===\n", f->kind);
    if (f->has_op) {
        pa_op_format(line, sizeof line, &f->op, cfg);
        fprintf(out, "at op %zu of %zu: %s\n", f->op_index, nops, line);
    } else {
        fprintf(out, "at %s (after op %zu of %zu)\n", f->place, nops ? nops - 1 : 0, nops);
    }
    if (cfg) {
        pa_config_format(line, sizeof line, cfg);
        fprintf(out, "%s\n", line);
    }
    fprintf(out, "detail: %s\n", f->detail);
    if (f->checker_text)
        fprintf(out, "checker report:\n%s", f->checker_text);
    char sig[128];
    pa_exec_failure_signature(f, sig, sizeof sig);
    fprintf(out, "signature: %s\n", sig);
}

void pa_exec_failure_signature(const pa_exec_failure *f, char *out, size_t out_len) {
    snprintf(out, out_len, "%s@%s", f->kind, f->place);
}

void pa_exec_failure_free(pa_exec_failure *f) {
    free(f->checker_text);
    f->checker_text = NULL;
}
