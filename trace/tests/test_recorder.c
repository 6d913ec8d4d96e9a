/* Runs recorder_victim under libpa_trace_recorder.so and checks the traces.
 * usage: test_trace_recorder RECORDER_SO VICTIM (run in a scratch directory) */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "recorder_victim.h"
#include "trace_format.h"

static const char *recorder_so;
static const char *victim;

/* A scratch directory per test, removed with what is in it afterwards. */
static int make_dir(void **state)
{
    char *dir = strdup("recorder-test.XXXXXX");
    if (!dir || !mkdtemp(dir)) {
        free(dir);
        return -1;
    }
    *state = dir;
    return 0;
}

static int remove_dir(void **state)
{
    char *dir = *state;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[4096];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
    return 0;
}

/* Runs the victim in `mode` with PA_TRACE_OUT=out; its exit status. */
static int run_victim(const char *mode, const char *out)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setenv("LD_PRELOAD", recorder_so, 1);
        setenv("PA_TRACE_OUT", out, 1);
        execl(victim, victim, mode, (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* Runs the victim in mode with PA_TRACE_OUT=<test dir>/name; the path to out. */
static void record(void **state, const char *mode, const char *name, char *out, size_t out_len)
{
    snprintf(out, out_len, "%s/%s", (const char *)*state, name);
    assert_int_equal(run_victim(mode, out), 0);
}

static void load(const char *path, pa_trace *t)
{
    FILE *f = fopen(path, "r");
    if (!f)
        fail_msg("no trace at %s", path);
    char err[512] = "";
    int rc = pa_trace_read(f, path, t, err, sizeof err);
    fclose(f);
    if (rc != 0)
        fail_msg("%s", err);
}

static char *first_line(const char *path)
{
    static char line[512];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    return line;
}

/* How many files in dir have a name that starts with prefix; the path of the
 * last one goes to path. */
static int files_named(const char *dir, const char *prefix, char *path, size_t path_len)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
            n++;
            snprintf(path, path_len, "%s/%s", dir, e->d_name);
        }
    }
    closedir(d);
    return n;
}

/* Index of the first m op of `size`, or -1. */
static long find_malloc(const pa_trace *t, uint64_t size)
{
    for (size_t i = 0; i < t->nops; i++) {
        if (t->ops[i].kind == PA_TRACE_MALLOC && t->ops[i].size == size && t->ops[i].id != 0)
            return (long)i;
    }
    return -1;
}

static void expect_op(const pa_trace_op *got, char kind, uint64_t id, uint64_t new_id, uint64_t count,
                      uint64_t align, uint64_t size, size_t index)
{
    if ((char)got->kind != kind || got->id != id || got->new_id != new_id || got->count != count ||
        got->align != align || got->size != size)
        fail_msg("op %zu: got %c id %llu new %llu count %llu align %llu size %llu; want %c %llu %llu %llu %llu %llu",
                 index, (char)got->kind, (unsigned long long)got->id, (unsigned long long)got->new_id,
                 (unsigned long long)got->count, (unsigned long long)got->align, (unsigned long long)got->size,
                 kind, (unsigned long long)id, (unsigned long long)new_id, (unsigned long long)count,
                 (unsigned long long)align, (unsigned long long)size);
}

static void test_basic_sequence(void **state)
{
    char out[512];
    record(state, "basic", "basic.trace", out, sizeof out);
    assert_true(strncmp(first_line(out), "# pa-trace recording by libpa_trace_recorder.so, pid ", 53) == 0);

    pa_trace t;
    load(out, &t);
    long at = find_malloc(&t, VICTIM_BEGIN);
    assert_true(at >= 0);
    uint64_t m = t.ops[at].id;
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    const struct {
        char kind;
        uint64_t id, new_id, count, align, size;
    } want[] = {
        {'m', m, 0, 0, 0, VICTIM_BEGIN},
        {'f', m, 0, 0, 0, 0},
        {'m', m + 1, 0, 0, 0, 10},
        {'c', m + 2, 0, 3, 0, 8},
        {'r', m + 1, m + 3, 0, 0, 1000},
        {'f', m + 2, 0, 0, 0, 0},
        {'a', m + 4, 0, 0, 64, 100},
        {'a', m + 5, 0, 0, 128, 256},
        {'a', m + 6, 0, 0, 32, 40},
        {'a', m + 7, 0, 0, page, 10},
        {'f', 0, 0, 0, 0, 0},
        {'r', 0, m + 8, 0, 0, 5},
        {'m', 0, 0, 0, 0, SIZE_MAX},
        {'r', m + 8, 0, 0, 0, 0},
        {'f', m + 3, 0, 0, 0, 0},
        {'f', m + 4, 0, 0, 0, 0},
        {'f', m + 5, 0, 0, 0, 0},
        {'f', m + 6, 0, 0, 0, 0},
        {'f', m + 7, 0, 0, 0, 0},
        {'m', m + 9, 0, 0, 0, VICTIM_END},
        {'f', m + 9, 0, 0, 0, 0},
    };
    size_t n = sizeof want / sizeof want[0];
    assert_true((size_t)at + n <= t.nops);
    for (size_t i = 0; i < n; i++)
        expect_op(&t.ops[(size_t)at + i], want[i].kind, want[i].id, want[i].new_id, want[i].count, want[i].align,
                  want[i].size, i);
    pa_trace_free(&t);
}

static void test_threads(void **state)
{
    char out[512];
    record(state, "threads", "threads.trace", out, sizeof out);
    pa_trace t;
    load(out, &t); /* parsing checks that every ID is used consistently */
    /* every iteration makes at least one call */
    assert_true(t.nops >= (size_t)VICTIM_THREADS * VICTIM_THREAD_ITERS);
    size_t reallocs = 0;
    for (size_t i = 0; i < t.nops; i++)
        reallocs += t.ops[i].kind == PA_TRACE_REALLOC;
    assert_true(reallocs >= (size_t)VICTIM_THREADS * VICTIM_THREAD_ITERS / 4);
    pa_trace_free(&t);
}

static bool has_malloc_of(const pa_trace *t, uint64_t size) { return find_malloc(t, size) >= 0; }

static void test_fork(void **state)
{
    char out[512];
    record(state, "fork", "fork.trace", out, sizeof out);

    pa_trace parent;
    load(out, &parent);
    assert_true(has_malloc_of(&parent, VICTIM_BEFORE_FORK));
    assert_true(has_malloc_of(&parent, VICTIM_PARENT));
    assert_false(has_malloc_of(&parent, VICTIM_CHILD));
    /* the parent's free of the block kept across the fork is recorded */
    long kept = find_malloc(&parent, VICTIM_BEFORE_FORK);
    bool freed = false;
    for (size_t i = (size_t)kept + 1; i < parent.nops; i++)
        freed |= parent.ops[i].kind == PA_TRACE_FREE && parent.ops[i].id == parent.ops[kept].id;
    assert_true(freed);
    pa_trace_free(&parent);

    /* the child wrote fork.trace.<its pid> */
    char child_path[1024];
    assert_int_equal(files_named(*state, "fork.trace.", child_path, sizeof child_path), 1);
    assert_non_null(strstr(first_line(child_path), "(forked child)"));
    pa_trace child;
    load(child_path, &child); /* the free of the inherited block left no line */
    assert_true(has_malloc_of(&child, VICTIM_CHILD));
    assert_false(has_malloc_of(&child, VICTIM_PARENT));
    assert_true(child.nops < 100);
    pa_trace_free(&child);
}

/* "%p" in PA_TRACE_OUT becomes the pid. */
static void test_pid_pattern(void **state)
{
    char out[512];
    record(state, "basic", "run-%p.trace", out, sizeof out);
    char path[1024];
    assert_int_equal(files_named(*state, "run-", path, sizeof path), 1);
    const char *name = strrchr(path, '/') + 1;
    unsigned long pid = 0;
    char tail[16] = "";
    assert_int_equal(sscanf(name, "run-%lu%15s", &pid, tail), 2);
    assert_true(pid > 0);
    assert_string_equal(tail, ".trace");
}

/* An existing PA_TRACE_OUT is never overwritten: the trace goes to NAME.<pid>. */
static void test_existing_file_kept(void **state)
{
    const char *dir = *state;
    char out[512];
    snprintf(out, sizeof out, "%s/kept.trace", dir);
    FILE *f = fopen(out, "w");
    assert_non_null(f);
    fputs("old\n", f);
    fclose(f);
    assert_int_equal(run_victim("basic", out), 0);
    assert_string_equal(first_line(out), "old\n");
    char other[1024];
    assert_int_equal(files_named(dir, "kept.trace.", other, sizeof other), 1);
    pa_trace t;
    load(other, &t);
    assert_true(has_malloc_of(&t, VICTIM_END));
    pa_trace_free(&t);
}

/* An exec chain in one pid: each image's records reach a file of its own,
 * the ones made just before its exec included, and none is overwritten. */
static void test_exec_chain(void **state)
{
    const char *dir = *state;
    char out[512];
    record(state, "exec2", "chain.trace", out, sizeof out);
    char path[1024];
    assert_int_equal(files_named(dir, "chain.trace", path, sizeof path), 3);
    char names[3][1024];
    snprintf(names[0], sizeof names[0], "%s", out);
    unsigned long pid = 0;
    assert_int_equal(sscanf(strstr(first_line(out), "pid "), "pid %lu", &pid), 1);
    snprintf(names[1], sizeof names[1], "%s.%lu", out, pid);
    snprintf(names[2], sizeof names[2], "%s.%lu.2", out, pid);
    for (int k = 0; k < 3; k++) {
        pa_trace t;
        load(names[k], &t);
        for (unsigned image = 0; image < 3; image++)
            assert_int_equal(has_malloc_of(&t, VICTIM_IMAGE + image), image == 2u - (unsigned)k);
        pa_trace_free(&t);
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s RECORDER_SO VICTIM\n", argv[0]);
        return 2;
    }
    recorder_so = argv[1];
    victim = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_basic_sequence, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_threads, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_fork, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_pid_pattern, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_existing_file_kept, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_exec_chain, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
