/* The shared command line of the fuzz tools (cli.h). */
#include "cli.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int pa_cli_is_help(const char *arg) { return !strcmp(arg, "--help") || !strcmp(arg, "-h"); }

int pa_cli_help(const pa_cli *c) {
    fputs(c->usage, stdout);
    return 0;
}

int pa_cli_error(const pa_cli *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", c->tool);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fputs(c->usage, stderr);
    return PA_CLI_USAGE;
}

const char *pa_cli_operand(const pa_cli *c, int *i) {
    if (*i + 1 >= c->argc) {
        pa_cli_error(c, "%s needs a value", c->argv[*i]);
        return NULL;
    }
    return c->argv[++*i];
}

/* Digits only: strtoul would take "-5" and "12abc" and call "" zero. */
static int parse_decimal(const char *s, uint64_t *out) {
    uint64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int pa_cli_number(const pa_cli *c, int *i, uint64_t min, uint64_t max, uint64_t *out) {
    const char *opt = c->argv[*i];
    const char *text = pa_cli_operand(c, i);
    if (!text)
        return -1;
    uint64_t v;
    if (parse_decimal(text, &v) || v < min || v > max) {
        pa_cli_error(c, "%s wants a whole number from %" PRIu64 " to %" PRIu64 ", not \"%s\"", opt, min, max, text);
        return -1;
    }
    *out = v;
    return 0;
}

int pa_cli_positional(const pa_cli *c, const char *arg, const char **first, const char **second,
                      const char *what) {
    if (arg[0] == '-' && arg[1])
        return pa_cli_error(c, "unknown option %s", arg);
    if (!*first)
        *first = arg;
    else if (!*second)
        *second = arg;
    else
        return pa_cli_error(c, "%s (\"%s\" is one too many)", what, arg);
    return 0;
}
