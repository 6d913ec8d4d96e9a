/* One benchmark binary per allocator (see alloc_shim.h):
 *   bench_ALLOC WORKLOAD [KEY=VALUE ...]   run it once, print one CSV row
 *   bench_ALLOC --list                     the workloads: NAME<TAB>ABOUT
 *   bench_ALLOC --header                   the CSV header line */
#include <stdio.h>
#include <string.h>

#include "alloc_shim.h"
#include "malloc_origin.h"
#include "measure.h"
#include "workload.h"

/* BENCH_EXPECT_MALLOC: a prefix of the file name that must define malloc
 * (libjemalloc, libmimalloc, ...), so a link that silently fell back to the
 * C library's malloc is caught instead of measured. */
static int malloc_is_expected(const char *origin)
{
#ifdef BENCH_EXPECT_MALLOC
    if (strncmp(origin, BENCH_EXPECT_MALLOC, strlen(BENCH_EXPECT_MALLOC)) != 0) {
        fprintf(stderr, "bench_%s: malloc comes from %s, not %s\n", BENCH_ALLOC_NAME, origin,
                BENCH_EXPECT_MALLOC);
        return 0;
    }
#else
    (void)origin;
#endif
    return 1;
}

static const bench_workload *find_workload(const char *name)
{
    for (size_t i = 0; i < bench_nworkloads; i++)
        if (strcmp(bench_workloads[i].name, name) == 0)
            return &bench_workloads[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s WORKLOAD [KEY=VALUE ...] | --list | --header\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < bench_nworkloads; i++)
            printf("%s\t%s\n", bench_workloads[i].name, bench_workloads[i].about);
        return 0;
    }
    if (strcmp(argv[1], "--header") == 0) {
        bench_result_print_header(stdout);
        return 0;
    }
    const bench_workload *w = find_workload(argv[1]);
    if (w == NULL) {
        fprintf(stderr, "%s: no workload '%s' (--list shows them)\n", argv[0], argv[1]);
        return 2;
    }
    bench_args args = {argc - 2, argv + 2};
    if (bench_args_check(&args, w->keys) != 0)
        return 2;
    const char *origin = bench_malloc_origin();
    if (!malloc_is_expected(origin))
        return 2;

    bench_set_mark_probe(ba_mark_probe);
    bench_result r;
    char label[128];
    snprintf(label, sizeof label, "%s", w->name);
    if (w->run(&args, &r, label, sizeof label) != 0)
        return 1;

    char extra[256];
    ba_describe_heap(extra, sizeof extra);
    bench_result_print(stdout, &r, BENCH_ALLOC_NAME, label, origin, extra);
    return 0;
}
