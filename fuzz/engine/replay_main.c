/* The engine-free replay program of any target: runs every file named (a
 * directory: every file in it, sorted) once, or stdin when none is named.
 * Builds with any C compiler; a failure aborts with the target's report.
 * An op that hangs or crashes is named by the op watchdog (engine_watch.h;
 * PA_OP_TIMEOUT sets its limit). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_target.h"

/* The build names the target: -DPA_FUZZ_ENTRY=pa_fuzz_default_one. */
#ifndef PA_FUZZ_ENTRY
#error "define PA_FUZZ_ENTRY to the target's run function"
#endif
#include "engine_watch.h"
#include "input.h"

static size_t replayed;

static int run_file(const char *path, int verbose) {
    size_t len;
    uint8_t *data = pa_read_file(path, &len);
    if (!data) {
        fprintf(stderr, "%s: cannot read\n", path);
        return -1;
    }
    if (verbose)
        fprintf(stderr, "replay %s (%zu bytes)\n", path, len);
    pa_engine_watch_input(path);
    PA_FUZZ_ENTRY(data, len);
    free(data);
    replayed++;
    return 0;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, int verbose) {
    struct stat st;
    if (stat(path, &st)) {
        fprintf(stderr, "%s: no such file or directory\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode))
        return run_file(path, verbose);
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "%s: cannot open\n", path);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        size_t need = strlen(path) + strlen(e->d_name) + 2;
        names[n] = malloc(need);
        if (!names[n])
            break;
        snprintf(names[n], need, "%s/%s", path, e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat fs;
        if (stat(names[i], &fs) == 0 && S_ISREG(fs.st_mode) && run_file(names[i], verbose))
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv) {
    int verbose = getenv("PA_REPLAY_VERBOSE") != NULL;
    int rc = 0, named = 0;
    if (pa_engine_watch_start())
        return 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) {
            verbose = 1;
            continue;
        }
        if (argv[i][0] == '-' && argv[i][1]) /* engine flags (-runs=...) are ignored */
            continue;
        named = 1;
        if (run_path(argv[i], verbose))
            rc = 1;
    }
    if (!named && run_file("-", verbose))
        rc = 1;
    printf("%zu inputs replayed, 0 failed\n", replayed);
    return rc;
}
