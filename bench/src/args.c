#include "args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does the word start with "key="? */
static const char *value_of(const char *word, const char *key)
{
    size_t klen = strlen(key);
    if (strncmp(word, key, klen) == 0 && word[klen] == '=')
        return word + klen + 1;
    return NULL;
}

static int key_listed(const char *word, const char *keys)
{
    const char *eq = strchr(word, '=');
    if (eq == NULL || eq == word)
        return 0;
    size_t wlen = (size_t)(eq - word);
    for (const char *k = keys; *k != '\0';) {
        size_t klen = strcspn(k, ",");
        if (klen == wlen && strncmp(k, word, wlen) == 0)
            return 1;
        k += klen;
        if (*k == ',')
            k++;
    }
    return 0;
}

int bench_args_check(const bench_args *a, const char *keys)
{
    for (int i = 0; i < a->argc; i++) {
        if (!key_listed(a->argv[i], keys)) {
            fprintf(stderr, "bench: unknown parameter '%s' (this workload takes: %s)\n",
                    a->argv[i], keys[0] != '\0' ? keys : "none");
            return -1;
        }
    }
    return 0;
}

const char *bench_arg_str(const bench_args *a, const char *key, const char *dflt)
{
    const char *found = dflt;
    for (int i = 0; i < a->argc; i++) {
        const char *v = value_of(a->argv[i], key);
        if (v != NULL)
            found = v;
    }
    return found;
}

uint64_t bench_arg_u64(const bench_args *a, const char *key, uint64_t dflt)
{
    const char *v = bench_arg_str(a, key, NULL);
    if (v == NULL)
        return dflt;
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    int shift = 0;
    if (end != v && strcmp(end, "Ki") == 0)
        shift = 10;
    else if (end != v && strcmp(end, "Mi") == 0)
        shift = 20;
    else if (end == v || *end != '\0')
        shift = -1;
    if (shift < 0 || errno != 0 || v[0] == '-' || (n << shift >> shift) != n) {
        fprintf(stderr, "bench: %s=%s is not an unsigned number (suffixes: Ki, Mi)\n", key, v);
        exit(2);
    }
    return (uint64_t)n << shift;
}
