/* The drop-in's heap statistics, run with LD_PRELOAD=libpoolalloc_malloc.so
 * (ctest does): mallinfo2 moves by what was allocated and freed (small
 * blocks at their class size in uordblks, large ones in hblks/hblkhd, a
 * block left by an exited thread still counted), arena == uordblks +
 * fordblks, mallinfo says the same in ints, malloc_stats and malloc_info
 * print the figures mallinfo2 gives, malloc_info refuses options (EINVAL, as glibc), and
 * mallopt answers as glibc does. Exits 0, or names the
 * failed check and exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROGRAM "dropin_stats"
#include "check.h"

#define SMALL_BLOCKS 10000
#define SMALL_SIZE 100 /* class 112 */
#define SMALL_CLASS 112
#define LARGE_BLOCKS 3
#define LARGE_SIZE (2u << 20) /* past the large cache (1 MiB): a mapping each */
/* Pools the small blocks take (145 blocks of 112 B a pool) carry headers
 * and a tail each, counted in use: a bound on that overhead. */
#define POOL_SLACK (80u * 1024)

static int consistent(struct mallinfo2 m) { return m.arena == m.uordblks + m.fordblks; }

static void small_and_large(void) {
    static void *small[SMALL_BLOCKS];
    void *large[LARGE_BLOCKS];
    struct mallinfo2 before = mallinfo2();
    CHECK(consistent(before));
    for (size_t i = 0; i < SMALL_BLOCKS; i++)
        CHECK((small[i] = malloc(SMALL_SIZE)) != NULL);
    for (size_t i = 0; i < LARGE_BLOCKS; i++)
        CHECK((large[i] = malloc(LARGE_SIZE)) != NULL);
    struct mallinfo2 live = mallinfo2();
    CHECK(consistent(live));
    size_t grew = live.uordblks - before.uordblks;
    CHECK(grew >= (size_t)SMALL_BLOCKS * SMALL_CLASS && grew <= (size_t)SMALL_BLOCKS * SMALL_CLASS + POOL_SLACK);
    CHECK(live.hblks == before.hblks + LARGE_BLOCKS);
    CHECK(live.hblkhd == before.hblkhd + (size_t)LARGE_BLOCKS * LARGE_SIZE);
    CHECK(live.smblks == 0 && live.fsmblks == 0 && live.usmblks == 0);

    /* Deprecated by glibc, still called by old programs: same figures, in ints. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    struct mallinfo old = mallinfo();
#pragma GCC diagnostic pop
    CHECK((size_t)old.uordblks == live.uordblks && (size_t)old.hblkhd == live.hblkhd &&
          (size_t)old.arena == live.arena && (size_t)old.hblks == live.hblks);

    for (size_t i = 0; i < SMALL_BLOCKS; i++)
        free(small[i]);
    for (size_t i = 0; i < LARGE_BLOCKS; i++)
        free(large[i]);
    struct mallinfo2 after = mallinfo2();
    CHECK(consistent(after));
    CHECK(after.uordblks <= before.uordblks + POOL_SLACK);
    CHECK(after.hblks == before.hblks && after.hblkhd == before.hblkhd);
    CHECK(after.keepcost <= after.fordblks + after.hblkhd);
    fprintf(stderr, "dropin_stats: uordblks %zu -> %zu -> %zu, hblkhd %zu -> %zu\n", before.uordblks, live.uordblks,
            after.uordblks, before.hblkhd, live.hblkhd);
}

/* A thread allocates and exits: its heap is an orphan, still counted. */
#define ORPHAN_BLOCKS 1000
#define ORPHAN_CLASS 208

static void *leave_blocks(void *arg) {
    void **blocks = arg;
    for (size_t i = 0; i < ORPHAN_BLOCKS; i++)
        blocks[i] = malloc(ORPHAN_CLASS);
    return NULL;
}

static void exited_thread(void) {
    static void *blocks[ORPHAN_BLOCKS];
    struct mallinfo2 before = mallinfo2();
    pthread_t t;
    CHECK(pthread_create(&t, NULL, leave_blocks, blocks) == 0);
    pthread_join(t, NULL);
    struct mallinfo2 left = mallinfo2();
    CHECK(consistent(left));
    CHECK(left.uordblks - before.uordblks >= (size_t)ORPHAN_BLOCKS * ORPHAN_CLASS);
    for (size_t i = 0; i < ORPHAN_BLOCKS; i++)
        free(blocks[i]);
}

/* The value after "label" in text, or -1. */
static long long field(const char *text, const char *label) {
    const char *at = strstr(text, label);
    return at ? strtoll(at + strlen(label), NULL, 10) : -1;
}

/* stderr into a file while malloc_stats prints; its in-use totals must be
 * mallinfo2's. The file is opened first, so nothing allocates between. */
static void stats_report(void) {
    static char text[4096];
    FILE *f = tmpfile();
    CHECK(f != NULL);
    if (!f)
        return;
    fflush(stderr);
    int saved = dup(2);
    dup2(fileno(f), 2);
    void *keep = malloc(20000); /* large: past the shared heap's pools */
    struct mallinfo2 m = mallinfo2();
    malloc_stats();
    dup2(saved, 2);
    close(saved);
    rewind(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    const char *total = strstr(text, "Total (incl. mmap):");
    CHECK(total != NULL);
    CHECK(field(text, "in use bytes     =") == (long long)m.uordblks);
    if (total) {
        CHECK(field(total, "system bytes     =") == (long long)(m.arena + m.hblkhd));
        CHECK(field(total, "in use bytes     =") >= (long long)(m.uordblks + 20000));
        CHECK(field(total, "mmap regions     =") == (long long)m.hblks);
    }
    free(keep);
}

/* malloc_info's totals are mallinfo2's; a memory stream set up first. */
static void xml_report(void) {
    static char text[16384];
    FILE *f = fmemopen(text, sizeof text, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    struct mallinfo2 m = mallinfo2();
    CHECK(malloc_info(0, f) == 0);
    fclose(f);
    CHECK(strncmp(text, "<malloc version=\"1\">", 20) == 0 && strstr(text, "</malloc>") != NULL);
    const char *outer = strstr(text, "</heap>");
    CHECK(outer != NULL);
    if (outer) {
        CHECK(field(outer, "<total type=\"rest\" count=\"") == (long long)m.ordblks);
        const char *rest = strstr(outer, "<total type=\"rest\"");
        CHECK(rest && field(rest, "size=\"") == (long long)m.fordblks);
        CHECK(field(outer, "<total type=\"mmap\" count=\"") == (long long)m.hblks);
        CHECK(field(outer, "<system type=\"current\" size=\"") == (long long)m.arena);
    }
    /* The free blocks listed by class add up to no more than fordblks. */
    long long listed = 0;
    for (const char *s = strstr(text, "<size "); s; s = strstr(s + 1, "<size "))
        listed += field(s, "total=\"");
    CHECK(listed > 0 && listed <= (long long)m.fordblks);
    CHECK(malloc_info(1, stdout) == EINVAL); /* as glibc returns it */
}

static void options(void) {
    CHECK(mallopt(M_CHECK_ACTION, 3) == 1);
    CHECK(mallopt(M_PERTURB, 0x55) == 1);
    CHECK(mallopt(M_TRIM_THRESHOLD, 1 << 20) == 1);
    CHECK(mallopt(M_MMAP_THRESHOLD, 1 << 16) == 1);
    CHECK(mallopt(M_ARENA_MAX, 1) == 1);
    CHECK(mallopt(M_MXFAST, 0) == 1);
    CHECK(mallopt(M_MXFAST, (int)(80 * sizeof(size_t) / 4)) == 1);
    CHECK(mallopt(M_MXFAST, (int)(80 * sizeof(size_t) / 4) + 1) == 0); /* past glibc's fastbins */
    CHECK(mallopt(M_MXFAST, -1) == 0);
    CHECK(mallopt(12345, 1) == 1); /* glibc takes a setting it does not know */
}

int main(void) {
    void *first = malloc(16); /* this thread's heap exists from here */
    small_and_large();
    exited_thread();
    stats_report();
    xml_report();
    options();
    free(first);
    if (failures)
        return 1;
    puts("dropin_stats: ok");
    return 0;
}
