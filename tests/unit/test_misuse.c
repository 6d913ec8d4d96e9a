/* Misuse reports: pointers the heap never handed out (stack, static, system
 * malloc, garbage, kernel addresses) are FOREIGN; pointers into the heap's
 * arenas where no block lives (double free, never carved, decommitted pools)
 * are NOT_LIVE. The operation is refused and the heap stays consistent. The
 * default handler prints the report and aborts. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pa_test.h"

static char static_buffer[64];

typedef struct fixture {
    pa_test_os os;
    pa_test_misuse m;
    pa_heap *h;
} fixture;

static void open_fixture(fixture *f, const pa_config *base) {
    memset(&f->m, 0, sizeof f->m);
    pa_test_os_init(&f->os, NULL);
    pa_config c = pa_test_arena_config(&f->os, base);
    c.on_misuse = pa_test_misuse_record;
    c.misuse_ctx = &f->m;
    f->h = pa_test_heap_create(&c);
}

/* free, realloc and usable_size of p are each reported with kind and refused. */
static void expect_refused(fixture *f, void *p, pa_misuse_kind kind) {
    pa_stats before, after;
    pa_test_stats_checked(f->h, &f->os.counter, &before);
    int n = f->m.count;
    pa_heap_free(f->h, p);
    assert_int_equal(f->m.count, n + 1);
    assert_int_equal(f->m.kind, kind);
    assert_string_equal(f->m.operation, "free");
    assert_ptr_equal(f->m.pointer, p);
    assert_ptr_equal(f->m.heap, f->h);
    assert_null(strchr(f->m.message, '\n'));
    errno = 0;
    assert_null(pa_heap_realloc(f->h, p, 100));
    assert_int_equal(errno, EINVAL);
    assert_int_equal(f->m.count, n + 2);
    assert_int_equal(f->m.kind, kind);
    assert_string_equal(f->m.operation, "realloc");
    assert_int_equal(pa_heap_usable_size(f->h, p), 0);
    assert_int_equal(f->m.count, n + 3);
    assert_int_equal(f->m.kind, kind);
    assert_string_equal(f->m.operation, "usable_size");
    assert_false(pa_heap_owns(f->h, p) && kind == PA_MISUSE_FOREIGN_POINTER);
    pa_test_stats_checked(f->h, &f->os.counter, &after);
    assert_memory_equal(&after, &before, sizeof after);
}

static void test_foreign_pointers(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, NULL);
    void *live = pa_heap_malloc(f.h, 100);
    void *big = pa_heap_malloc(f.h, 100000);
    int local = 0;
    void *sys = malloc(32);
    assert_non_null(sys);
    void *cases[] = {
        &local,
        static_buffer,
        sys,
        (void *)(uintptr_t)0x1234,
        (void *)(uintptr_t)0xffff800000000000u,
        (void *)UINTPTR_MAX,
        (char *)big + 16,              /* inside a large block, not its start */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_refused(&f, cases[i], PA_MISUSE_FOREIGN_POINTER);
    assert_string_equal(static_buffer, "");
    free(sys);
    pa_heap_free(f.h, live);
    pa_heap_free(f.h, big);
    assert_int_equal(pa_heap_destroy(f.h), 0);
    assert_int_equal(f.os.counter.bytes_mapped, 0);
}

static void test_free_null_is_not_misuse(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, NULL);
    pa_heap_free(f.h, NULL);
    assert_int_equal(pa_heap_usable_size(f.h, NULL), 0);
    assert_int_equal(f.m.count, 0);
    pa_heap_destroy(f.h);
}

/* The last block of a pool freed twice: the pool holds no live block. */
static void test_double_free_of_pool_last_block(void **state) {
    (void)state;
    fixture f;
    pa_config base = pa_config_default();
    base.decommit = PA_DECOMMIT_NEVER;
    open_fixture(&f, &base);
    void *keep = pa_heap_malloc(f.h, 16); /* keeps the arena in use */
    void *p = pa_heap_malloc(f.h, 200);
    pa_heap_free(f.h, p);
    assert_int_equal(f.m.count, 0);
    expect_refused(&f, p, PA_MISUSE_NOT_LIVE);
    assert_true(strstr(f.m.message, "usable_size") != NULL);
    /* the heap goes on working, and hands out p's pool cleanly */
    void *q = pa_heap_malloc(f.h, 200);
    assert_non_null(q);
    void *r = pa_heap_malloc(f.h, 200);
    assert_ptr_not_equal(q, r);
    pa_heap_free(f.h, q);
    pa_heap_free(f.h, r);
    pa_heap_free(f.h, keep);
    pa_stats s;
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.blocks_in_use, 0);
    pa_heap_destroy(f.h);
}

/* A block freed twice after its arena went back to the OS: the memory is
 * gone, so the heap must answer from its ownership map (FOREIGN). */
static void test_double_free_after_arena_release(void **state) {
    (void)state;
    fixture f;
    pa_config base = pa_config_default();
    base.empty_arenas = PA_EMPTY_ARENA_RELEASE;
    open_fixture(&f, &base);
    void *p = pa_heap_malloc(f.h, 64);
    void *big = pa_heap_malloc(f.h, 4000);
    pa_heap_free(f.h, p); /* the arena is released here */
    pa_heap_free(f.h, big);
    pa_stats s;
    pa_test_stats_checked(f.h, &f.os.counter, &s);
    assert_int_equal(s.arenas_current, 0);
    assert_false(pa_heap_owns(f.h, p));
    expect_refused(&f, p, PA_MISUSE_FOREIGN_POINTER);
    expect_refused(&f, big, PA_MISUSE_FOREIGN_POINTER);
    void *q = pa_heap_malloc(f.h, 64);
    assert_non_null(q);
    pa_heap_free(f.h, q);
    pa_heap_destroy(f.h);
}

/* A wild pointer into a never-carved pool of a live arena. */
static void test_wild_pointer_in_arena(void **state) {
    (void)state;
    fixture f;
    open_fixture(&f, NULL);
    void *keep = pa_heap_malloc(f.h, 16);
    pa_heap_view hv;
    pa_introspect_heap(f.h, &hv);
    uintptr_t base = (uintptr_t)keep & ~(uintptr_t)(hv.config.arena_size - 1);
    void *wild = (void *)(base + (hv.pools_per_arena - 1) * hv.config.pool_size + 64);
    assert_true(pa_heap_owns(f.h, wild)); /* inside a live arena */
    expect_refused(&f, wild, PA_MISUSE_NOT_LIVE);
    pa_heap_free(f.h, keep);
    pa_heap_destroy(f.h);
}

/* An OS layer may make decommitted pages read-only until recommitted (os.h
 * requires them to stay readable): a double free into such a pool must be
 * reported without the heap writing to the pool. */
static void *readonly_map(void *ctx, size_t size, size_t alignment) {
    const pa_os_ops *inner = ctx;
    return inner->map(inner->ctx, size, alignment);
}

static int readonly_unmap(void *ctx, void *addr, size_t size) {
    const pa_os_ops *inner = ctx;
    return inner->unmap(inner->ctx, addr, size);
}

static int readonly_decommit(void *ctx, void *addr, size_t size) {
    (void)ctx;
    return madvise(addr, size, MADV_DONTNEED) || mprotect(addr, size, PROT_READ);
}

static int readonly_recommit(void *ctx, void *addr, size_t size) {
    (void)ctx;
    return mprotect(addr, size, PROT_READ | PROT_WRITE);
}

static void double_free_into_decommitted_pool(void) {
    static pa_os_ops inner;
    inner = pa_os_mmap();
    pa_test_misuse m = {0};
    pa_config c = pa_config_default();
    c.os = (pa_os_ops){readonly_map, readonly_unmap, readonly_decommit, readonly_recommit, &inner, NULL};
    c.decommit = PA_DECOMMIT_FREE_POOLS;
    c.decommit_keep_pools = 0;
    c.keep_spare_pools = 0; /* the emptied pool goes back to be decommitted */
    c.on_misuse = pa_test_misuse_record;
    c.misuse_ctx = &m;
    pa_heap *h = pa_heap_create(&c);
    if (!h)
        _exit(2);
    void *keep = pa_heap_malloc(h, 16);
    void *p = pa_heap_malloc(h, 300);
    pa_heap_free(h, p); /* its pool is now decommitted */
    pa_stats s;
    pa_heap_stats(h, &s);
    if (s.decommitted_pools != 1)
        _exit(3);
    pa_heap_free(h, p);
    if (m.count != 1 || m.kind != PA_MISUSE_NOT_LIVE)
        _exit(4);
    if (pa_heap_usable_size(h, p) != 0 || m.count != 2)
        _exit(5);
    /* and the pool can be taken again */
    void *q = pa_heap_malloc(h, 300);
    if (!q)
        _exit(6);
    memset(q, 1, 300);
    pa_heap_free(h, q);
    pa_heap_free(h, keep);
    pa_heap_destroy(h);
    _exit(0);
}

static int run_child(void (*body)(void), char *err, size_t err_len) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the child dies of its own signals, not through the test runner */
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL);
        dup2(fds[1], 2);
        close(fds[0]);
        body();
        _exit(0);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < err_len && (r = read(fds[0], err + n, err_len - 1 - n)) > 0)
        n += (size_t)r;
    err[n] = '\0';
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void test_double_free_into_decommitted_pool(void **state) {
    (void)state;
    char err[4096];
    int status = run_child(double_free_into_decommitted_pool, err, sizeof err);
    if (WIFSIGNALED(status))
        fail_msg("the heap wrote to a decommitted pool and died of signal %d", WTERMSIG(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("child step %d failed; stderr: %s", WEXITSTATUS(status), err);
}

static void default_handler_child(void) {
    pa_heap *h = pa_heap_create(NULL);
    if (!h)
        _exit(2);
    int local;
    pa_heap_free(h, &local);
    _exit(0); /* not reached if the default handler aborts */
}

static void test_default_handler_aborts(void **state) {
    (void)state;
    char err[4096];
    int status = run_child(default_handler_child, err, sizeof err);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    if (!strstr(err, "free"))
        fail_msg("stderr does not carry the report: \"%s\"", err);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_foreign_pointers),
        cmocka_unit_test(test_free_null_is_not_misuse),
        cmocka_unit_test(test_double_free_of_pool_last_block),
        cmocka_unit_test(test_wild_pointer_in_arena),
        cmocka_unit_test(test_double_free_after_arena_release),
        cmocka_unit_test(test_double_free_into_decommitted_pool),
        cmocka_unit_test(test_default_handler_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
