/* The named failures of a lock left held, of a default heap's misuse
 * report and of an op that hangs or crashes, each caused on purpose
 * through the executor's tamper hook:
 *  - LOCK_HELD (exec_locks.c): the shared heap's or the orphan list's lock
 *    held after an op, in the default and the interleave target;
 *  - MISUSE_REPORTED (exec_default_misuse.c): a default heap's report;
 *  - OP_HANG and OP_CRASH (op_watch.c): in a child process, whose report
 *    on stderr is read back and compared line by line. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "executor.h"
#include "input.h"
#include "op_watch.h"
#include "poolalloc/introspect.h"
#include "poolalloc/poolalloc.h"
#include "thread_heap.h"

#include "expect.h"

#define PROGRAM "malloc 1000000\nmalloc 100\nfree #0\n"

typedef void (*tamper_fn)(void);

static void tamper(void *ctx, size_t op_index, struct pa_heap *heap, struct pa_shadow *sh) {
    (void)heap;
    (void)sh;
    tamper_fn fn = *(tamper_fn *)ctx;
    if (op_index == 1 && fn)
        fn();
}

/* The default_heap op's first vetted result: fn runs there instead. */
static void doctor(void *ctx, pa_exec_site site, void *value) {
    (void)value;
    tamper_fn fn = *(tamper_fn *)ctx;
    if (site == PA_SITE_USABLE && fn) {
        *(tamper_fn *)ctx = NULL;
        fn();
    }
}

/* fn after op 1, or with in_op, inside the default_heap op. */
static int run_in(int target, const char *text, tamper_fn fn, int in_op, pa_exec_failure *f) {
    pa_input in;
    char err[200];
    EXPECT(pa_input_parse_text((pa_target)target, text, &in, err, sizeof err) == 0, "%s", err);
    pa_exec_options opt = {0, 0, NULL, in_op ? NULL : tamper, &fn, in_op ? doctor : NULL};
    int rc = pa_exec_target_run(target, &in.cfg, in.ops, in.nops, &opt, f, NULL);
    pa_input_free(&in);
    return rc;
}

static int run(int target, const char *text, tamper_fn fn, pa_exec_failure *f) {
    return run_in(target, text, fn, 0, f);
}

/* ---- LOCK_HELD ------------------------------------------------------------ */

static void take_shared(void) { pa_shared_heap_lock(); }

/* Called under the orphan lock: what the introspection sees then. */
static void record_locks(pa_heap *h, void *seen) {
    (void)h;
    *(unsigned *)seen = pa_introspect_locks_held();
}

static void expect_lock_held(int target, tamper_fn fn, const char *name) {
    pa_exec_failure f;
    int rc = run(target, PROGRAM, fn, &f);
    char want[200];
    snprintf(want, sizeof want, "after the op, a lock of the allocator is still held (%s): "
             "the next call that takes it would wait forever", name);
    EXPECT(rc == 1 && !strcmp(f.kind, "LOCK_HELD") && f.op_index == 1 && !strcmp(f.detail, want),
           "target %d: expected LOCK_HELD at op 1, '%s'; got %s at op %zu, '%s'", target, want,
           rc ? f.kind : "a pass", rc ? f.op_index : 0, rc ? f.detail : "");
    if (rc)
        pa_exec_failure_free(&f);
}

/* Within the default_heap op, each call is followed by the check: the
 * lock is named at the call that left it, before the next call waits. */
static void test_lock_held_in_op(void) {
    pa_exec_failure f;
    int rc = run_in(PA_TARGET_DEFAULT, "malloc 100\ndefault_heap 100 1\n", take_shared, 1, &f);
    const char *want = "after pa_malloc, a lock of the allocator is still held (shared heap): "
                       "the next call that takes it would wait forever";
    EXPECT(rc == 1 && !strcmp(f.kind, "LOCK_HELD") && f.op_index == 1 && !strcmp(f.detail, want),
           "expected LOCK_HELD at op 1, '%s'; got %s at op %zu, '%s'", want, rc ? f.kind : "a pass",
           rc ? f.op_index : 0, rc ? f.detail : "");
    if (rc)
        pa_exec_failure_free(&f);
    pa_shared_heap_unlock();
}

static void test_lock_held(void) {
    EXPECT(pa_introspect_locks_held() == 0, "a lock is held before the test");
    /* first (a failed run leaves its blocks behind): a clean run passes the
     * check after every op and leaves thread 1's heap an orphan, under
     * whose lock the lock is seen held */
    pa_exec_failure f;
    EXPECT(run(PA_TARGET_INTERLEAVE, "malloc 1000000\nthread 1\nmalloc 100\nthread 1 exit\n", NULL, &f) == 0,
           "%s", f.detail);
    unsigned seen = 0;
    pa_thread_each_orphan(record_locks, &seen);
    EXPECT(seen == PA_LOCK_ORPHANS, "under the orphan lock, the locks held are %#x", seen);
    expect_lock_held(PA_TARGET_DEFAULT, take_shared, "shared heap");
    EXPECT(pa_introspect_locks_held() == PA_LOCK_SHARED_HEAP, "the shared heap's lock is not seen held");
    pa_shared_heap_unlock();
    expect_lock_held(PA_TARGET_INTERLEAVE, take_shared, "shared heap");
    pa_shared_heap_unlock();
    EXPECT(pa_introspect_locks_held() == 0, "a lock is held after the test");
    EXPECT(!strcmp(pa_introspect_lock_name(PA_LOCK_ORPHANS), "orphan list") &&
               !pa_introspect_lock_name(PA_LOCK_SHARED_HEAP | PA_LOCK_ORPHANS),
           "lock names");
}

/* ---- MISUSE_REPORTED by a default heap ------------------------------------- */

static void free_foreign(void) {
    static char not_a_block[64];
    pa_free(not_a_block + 16);
}

static void test_default_misuse(void) {
    pa_exec_failure f;
    /* small blocks: a failed run leaves its blocks behind, and a large one
     * in the shared heap would fail the next run's check of that heap */
    int rc = run(PA_TARGET_INTERLEAVE, "malloc 100\nmalloc 100\nfree #0\n", free_foreign, &f);
    const char *want = "the heap reported misuse by a correct program (FOREIGN_POINTER, 1 report): "
                       "free(): pointer 0x* was not allocated by heap 0x*";
    EXPECT(rc == 1 && !strcmp(f.kind, "MISUSE_REPORTED") && f.op_index == 1 && matches(want, f.detail),
           "expected MISUSE_REPORTED at op 1, '%s'; got %s at op %zu, '%s'", want, rc ? f.kind : "a pass",
           rc ? f.op_index : 0, rc ? f.detail : "");
    if (rc)
        pa_exec_failure_free(&f);
}

/* ---- OP_HANG and OP_CRASH ------------------------------------------------ */

/* The shared heap's lock kept, then a large block asked for: the call
 * waits for the lock this thread holds. */
static void hang_on_shared_lock(void) {
    pa_shared_heap_lock();
    pa_free(pa_malloc(5000000));
}

static void crash(void) {
    volatile char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    page[0] = 1;
}

/* Runs PROGRAM in a child with the watchdog (limit 1 s) and fn after op 1;
 * returns the child's stderr (malloc'd) and its wait status. */
static char *child_report(tamper_fn fn, int *status) {
    int fds[2];
    if (pipe(fds))
        return NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        pa_op_watch_start(1);
        pa_op_watch_input("watch-test");
        pa_exec_failure f;
        _exit(run(PA_TARGET_DEFAULT, PROGRAM, fn, &f) == 0 ? 0 : 3);
    }
    close(fds[1]);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    ssize_t n;
    while (out && len + 1 < cap && (n = read(fds[0], out + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    close(fds[0]);
    waitpid(pid, status, 0);
    if (out)
        out[len] = '\0';
    return out;
}

static void expect_report(tamper_fn fn, const char *want, int signal_wanted) {
    int status = 0;
    char *out = child_report(fn, &status);
    EXPECT(out && matches(want, out), "expected\n%s\ngot\n%s", want, out ? out : "(nothing)");
    EXPECT(signal_wanted ? WIFSIGNALED(status) && WTERMSIG(status) == signal_wanted : !WIFEXITED(status) ||
                                                                                          WEXITSTATUS(status) != 0,
           "the child's status is %#x", status);
    free(out);
}

static void test_hang_and_crash(void) {
    expect_report(hang_on_shared_lock,
                  "=== poolalloc fuzz failure: OP_HANG ===\n"
                  "at op 1 of 3: malloc 100\n"
                  "detail: it has not finished after 1 s (PA_OP_TIMEOUT); the allocator's locks held: shared heap\n"
                  "input: watch-test\n"
                  "signature: OP_HANG@malloc\n",
                  SIGABRT);
    /* under ASan, its own report follows and it exits */
    expect_report(crash,
                  "=== poolalloc fuzz failure: OP_CRASH ===\n"
                  "at op 1 of 3: malloc 100\n"
                  "detail: SIGSEGV while the op ran; the allocator's locks held: none\n"
                  "input: watch-test\n"
                  "signature: OP_CRASH@malloc\n*",
#ifdef PA_FUZZ_TEST_ASAN
                  0
#else
                  SIGSEGV
#endif
    );
}

int main(void) {
    test_default_misuse();
    test_lock_held_in_op();
    test_lock_held(); /* last of the runs in this process: it leaves a large block in the shared heap */
    test_hang_and_crash();
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
