/* Which shared object the process's malloc comes from: the check that a
 * peer's binary really runs that peer (link order, --as-needed and the like
 * can silently leave the C library's malloc in place). */
#ifndef BENCH_MALLOC_ORIGIN_H
#define BENCH_MALLOC_ORIGIN_H

/* The file name (no directory) of the object defining malloc, as the dynamic
 * linker resolves it for the program; "unknown" if it cannot tell. */
const char *bench_malloc_origin(void);

#endif
