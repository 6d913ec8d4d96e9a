/* The command line all the fuzz tools share, so they behave alike:
 *   --help / -h        the usage on stdout, exit status 0;
 *   a usage error      "TOOL: reason" and the usage on stderr, exit status 2;
 *   a number operand   whole decimal digits within the option's range, or a
 *                      usage error naming the option (never "no limit"). */
#ifndef PA_FUZZ_CLI_H
#define PA_FUZZ_CLI_H

#include <stdint.h>

#define PA_CLI_USAGE 2

typedef struct pa_cli {
    const char *tool;  /* prefixes every message */
    const char *usage; /* the whole usage text, ending in a newline */
    int argc;
    char **argv;
} pa_cli;

int pa_cli_is_help(const char *arg);
/* Prints the usage on stdout; returns 0, the exit status of --help. */
int pa_cli_help(const pa_cli *c);
/* Prints "TOOL: reason" and the usage on stderr; returns PA_CLI_USAGE. */
int pa_cli_error(const pa_cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The operand of the option at argv[*i]: *i moves onto it. NULL after a
 * usage error ("--opt needs a value"). */
const char *pa_cli_operand(const pa_cli *c, int *i);
/* The operand of the option at argv[*i] as a number in [min, max]: 0, or -1
 * after a usage error ("--opt wants a whole number from MIN to MAX, not
 * \"TEXT\""). */
int pa_cli_number(const pa_cli *c, int *i, uint64_t min, uint64_t max, uint64_t *out);
/* A word that is no known option: an unknown "-x" is a usage error; else it
 * fills *first, then *second, and a third is a usage error ("WHAT (\"ARG\"
 * is one too many)"). 0, or PA_CLI_USAGE after the error. */
int pa_cli_positional(const pa_cli *c, const char *arg, const char **first, const char **second,
                      const char *what);

#endif
