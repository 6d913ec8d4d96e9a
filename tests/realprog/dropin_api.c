/* The C library's allocation functions as the drop-in serves them: run with
 * LD_PRELOAD=libpoolalloc_malloc.so (ctest does). Checks that poolalloc
 * answers (a 20-byte block has the 32-byte class's usable size; glibc says
 * 24), glibc's behaviour where it differs from pa_* (realloc(p, 0) frees
 * and returns NULL; memalign rounds an alignment up to a power of two;
 * pvalloc rounds to pages), errno, a fork with threads running, and threads
 * started before and after the first call, glibc's other names for the
 * functions (__libc_malloc & co., cfree), a large block grown in place of a
 * copy (mremap), medium blocks from pools, the large cache's reach, and
 * malloc_trim. Exits 0, or names the failed
 * check and exits 1. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exported by glibc and the drop-in, declared by no header. */
void *__libc_malloc(size_t size);
void __libc_free(void *p);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *p, size_t size);
void *__libc_memalign(size_t alignment, size_t size);
void *__libc_valloc(size_t size);
void *__libc_pvalloc(size_t size);

#define PROGRAM "dropin_api"
#include "check.h"

/* glibc's internal names answer as poolalloc (the 32-byte class's usable
 * size; glibc says 24 for 20 bytes; a block growing out of its class gets
 * the largest class below twice the size), and their blocks mix with
 * malloc's. */
static void libc_names(void) {
    char *p = __libc_malloc(20);
    CHECK(p != NULL && malloc_usable_size(p) == 32);
    p = __libc_realloc(p, 40);
    CHECK(p != NULL && malloc_usable_size(p) == 64);
    free(p);
    int *z = __libc_calloc(10, sizeof *z);
    CHECK(z != NULL && z[0] == 0 && z[9] == 0 && malloc_usable_size(z) == 48);
    __libc_free(z);
    void *m = __libc_memalign(128, 20);
    CHECK(m != NULL && (uintptr_t)m % 128 == 0);
    /* glibc keeps cfree for old binaries only: a new link cannot name it. */
    void (*cfree)(void *) = (void (*)(void *))dlsym(RTLD_DEFAULT, "cfree");
    CHECK(cfree != NULL);
    if (cfree)
        cfree(m);
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *v = __libc_valloc(10), *pv = __libc_pvalloc(10);
    CHECK(v != NULL && (uintptr_t)v % page == 0);
    CHECK(pv != NULL && (uintptr_t)pv % page == 0 && malloc_usable_size(pv) >= page);
    __libc_free(v);
    free(pv);
}

/* malloc_trim: after 16 MiB of small blocks and a cached large one are
 * freed (one small block kept, so its arena stays), the heaps still keep
 * what their retention policy allows (here a wholly free arena's and the
 * kept arena's 16 committed free pools, 256 KiB each, and the cached
 * block). malloc_trim gives that back (1, as glibc says: the RSS falls by
 * at least 256 KiB), and called again at once finds nothing to give (0). */
static long resident_kib(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

#define TRIM_BLOCKS (256 * 1024)

static void trim(void) {
    static void *blocks[TRIM_BLOCKS];
    for (size_t i = 0; i < TRIM_BLOCKS; i++) {
        blocks[i] = malloc(64);
        CHECK(blocks[i] != NULL);
        if (blocks[i])
            memset(blocks[i], 1, 64);
    }
    char *large = malloc(100000);
    CHECK(large != NULL);
    if (large)
        memset(large, 1, 100000);
    free(large);
    for (size_t i = 1; i < TRIM_BLOCKS; i++)
        free(blocks[i]);
    long before = resident_kib();
    CHECK(malloc_trim(0) == 1);
    CHECK(malloc_trim(0) == 0);
    long after = resident_kib();
    CHECK(before - after >= 256);
    free(blocks[0]);
    fprintf(stderr, "dropin_api: malloc_trim: RSS %ld KiB -> %ld KiB\n", before, after);
}

/* Medium blocks, past the default 4096 bytes up to 7168, come from the
 * thread's heap's pools at their class size, not from mappings of their
 * own (glibc's mmapped chunks: hblks); larger ones are large blocks.
 * A freed large block of up to 1 MiB stays cached, counted in hblks at
 * its capacity, whole pages (7169 bytes: 8192, where its step ends at
 * 7680; 600000 bytes: 655360, a step of 64 KiB), and an 8000-byte request
 * takes the 7169-byte one's pages back; a block over 1 MiB goes. After
 * malloc_trim, so the cache starts empty. */
static void medium_and_cached(void) {
    static const struct {
        size_t size, usable;
        int large;
    } cases[] = {{4097, 5120, 0}, {5000, 5120, 0}, {6000, 6144, 0}, {7168, 7168, 0}, {7169, 7169, 1}};
    enum { N = sizeof cases / sizeof cases[0] };
    for (size_t i = 0; i < N; i++) {
        struct mallinfo2 before = mallinfo2();
        char *p = malloc(cases[i].size);
        CHECK(p != NULL);
        if (!p)
            continue;
        memset(p, 0x6D, cases[i].size);
        struct mallinfo2 live = mallinfo2();
        CHECK(malloc_usable_size(p) == cases[i].usable);
        CHECK(live.hblks - before.hblks == (size_t)cases[i].large);
        free(p);
    }
    malloc_trim(0);
    struct mallinfo2 empty = mallinfo2();
    free(malloc(7169));
    free(malloc(600000));
    struct mallinfo2 cached = mallinfo2();
    CHECK(cached.hblks == empty.hblks + 2 && cached.hblkhd == empty.hblkhd + 8192 + 655360);
    free(malloc(1100000));
    CHECK(mallinfo2().hblks == cached.hblks);
    void *again = malloc(8000);
    struct mallinfo2 taken = mallinfo2();
    CHECK(taken.hblks == cached.hblks && taken.hblkhd == empty.hblkhd + 8000 + 655360);
    free(again);
}

/* VmHWM in KiB, or -1. */
static long peak_kib(void) {
    char line[128];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kib;
}

/* Restarts VmHWM at the current RSS; 0, or -1 where the kernel refuses. */
static int reset_peak(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return -1;
    int ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

#define GROW_FROM (64u << 20)
#define GROW_TO (128u << 20)

/* A large block grows and shrinks with mremap: its bytes are kept, and
 * growing a written 64 MiB block to 128 MiB raises the peak RSS by far
 * less than the 64 MiB a copy would write. */
static void large_growth(void) {
    unsigned char *p = malloc(GROW_FROM);
    CHECK(p != NULL);
    if (!p)
        return;
    for (size_t i = 0; i < GROW_FROM; i += 4096)
        p[i] = (unsigned char)(i >> 12);
    int measured = reset_peak() == 0;
    long before = peak_kib();
    unsigned char *q = realloc(p, GROW_TO);
    long grew = peak_kib() - before;
    CHECK(q != NULL);
    if (!q) {
        free(p);
        return;
    }
    int kept = 1;
    for (size_t i = 0; i < GROW_FROM; i += 4096)
        kept &= q[i] == (unsigned char)(i >> 12);
    CHECK(kept);
    CHECK(malloc_usable_size(q) >= GROW_TO);
    if (measured)
        CHECK(grew < 8 * 1024);
    q[GROW_TO - 1] = 1;
    unsigned char *r = realloc(q, 1u << 20);
    CHECK(r != NULL && r[4096] == 1 && r[(1u << 20) - 4096] == (unsigned char)255);
    free(r ? r : q);
    fprintf(stderr, "dropin_api: realloc 64 MiB -> 128 MiB: peak RSS +%ld KiB\n", grew);
}

static void *churn(void *arg) {
    void *keep[64] = {0};
    for (unsigned i = 0; i < 20000; i++) {
        unsigned k = (i * 2654435761u) % 64;
        free(keep[k]);
        keep[k] = malloc(i % 700 + (i % 97 == 0 ? 20000 : 1));
        if (!keep[k])
            return arg;
    }
    for (unsigned k = 0; k < 64; k++)
        free(keep[k]);
    return NULL;
}

/* Four threads churning at once; 1 if one saw an allocation fail. */
static int run_threads(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        if (pthread_create(&t[i], NULL, churn, NULL))
            return 1;
    int bad = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        bad |= r != NULL;
    }
    return bad;
}

int main(void) {
    pthread_t early;
    CHECK(pthread_create(&early, NULL, churn, NULL) == 0); /* started before this thread's first malloc */

    char *p = malloc(20);
    CHECK(p != NULL && malloc_usable_size(p) == 32);
    strcpy(p, "poolalloc");
    p = realloc(p, 5000);
    CHECK(p != NULL && strcmp(p, "poolalloc") == 0 && malloc_usable_size(p) >= 5000);
    errno = 0;
    CHECK(realloc(p, 0) == NULL && errno == 0); /* glibc: frees p */

    int *z = calloc(1000, sizeof *z);
    CHECK(z != NULL);
    for (int i = 0; z && i < 1000; i++)
        CHECK(z[i] == 0);
    free(z);
    volatile size_t huge = SIZE_MAX / 2; /* a constant draws a compiler warning */
    errno = 0;
    CHECK(calloc(huge, 16) == NULL && errno == ENOMEM);
    errno = 0;
    CHECK(malloc(huge + huge) == NULL && errno == ENOMEM);
    errno = 0;
    CHECK(reallocarray(NULL, huge, 3) == NULL && errno == ENOMEM);
    void *r = reallocarray(NULL, 10, 10);
    CHECK(r != NULL && malloc_usable_size(r) >= 100);
    free(r);

    volatile size_t not_a_power = 48; /* a literal draws a compiler warning */
    void *m = memalign(not_a_power, 100); /* rounded up to 64 */
    CHECK(m != NULL && (uintptr_t)m % 64 == 0);
    free(m);
    void *a = aligned_alloc(4096, 10000);
    CHECK(a != NULL && (uintptr_t)a % 4096 == 0 && malloc_usable_size(a) >= 10000);
    free(a);
    void *v = valloc(1);
    CHECK(v != NULL && (uintptr_t)v % (uintptr_t)sysconf(_SC_PAGESIZE) == 0);
    free(v);
    void *pv = pvalloc(1);
    CHECK(pv != NULL && malloc_usable_size(pv) >= (size_t)sysconf(_SC_PAGESIZE));
    free(pv);
    void *out = NULL;
    CHECK(posix_memalign(&out, 256, 1000) == 0 && (uintptr_t)out % 256 == 0);
    free(out);
    CHECK(posix_memalign(&out, not_a_power / 2, 1000) == EINVAL);
    free(NULL);

    void *ret;
    pthread_join(early, &ret);
    CHECK(ret == NULL);
    CHECK(run_threads() == 0);

    /* fork while other threads allocate: the child allocates and frees. */
    pthread_t busy;
    CHECK(pthread_create(&busy, NULL, churn, NULL) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        void *c = malloc(100000);
        char *s = strdup("child");
        _exit(c && s && strcmp(s, "child") == 0 && run_threads() == 0 ? 0 : 3);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    pthread_join(busy, &ret);
    CHECK(ret == NULL);

    libc_names();
    large_growth();
    trim();
    medium_and_cached();

    if (failures)
        return 1;
    puts("dropin_api: ok");
    return 0;
}
