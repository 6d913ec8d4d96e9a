/* A workload's parameters: KEY=VALUE words on the command line. */
#ifndef BENCH_ARGS_H
#define BENCH_ARGS_H

#include <stdint.h>

typedef struct bench_args {
    int argc;
    char **argv;
} bench_args;

/* Every word must be KEY=VALUE with KEY in the comma-separated list keys;
 * otherwise a message on stderr and -1. */
int bench_args_check(const bench_args *a, const char *keys);
/* The value of key as an unsigned number (decimal, or with a Ki/Mi suffix:
 * 10Mi is 10 * 2^20), dflt when absent; exits with a message when malformed. */
uint64_t bench_arg_u64(const bench_args *a, const char *key, uint64_t dflt);
/* The value of key as given, dflt when absent. */
const char *bench_arg_str(const bench_args *a, const char *key, const char *dflt);

#endif
