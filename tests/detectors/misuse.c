/* Misuses a heap in one named way, so a test can assert that ASan, MSan or
 * Valgrind memcheck reports it, with the report kind each tool gives. Reads
 * go through a volatile pointer so the compiler cannot drop them. */
#include <stdio.h>
#include <string.h>

#include "poolalloc/poolalloc.h"

static pa_heap *heap;

static int read_byte(const char *p) { return *(const volatile char *)p; }

/* A freed block is read. */
static int use_after_free(void) {
    char *p = pa_heap_malloc(heap, 32);
    memset(p, 1, 32);
    pa_heap_free(heap, p);
    return read_byte(p);
}

/* One byte past a 13-byte request, inside its 16-byte block: the unaligned
 * tail of a granule. */
static int overflow_tail(void) {
    char *p = pa_heap_malloc(heap, 13);
    memset(p, 1, 13);
    return read_byte(p + 13);
}

/* Past the end of a block into its free neighbour (blocks of a fresh pool
 * are carved in address order). */
static int overflow_next_block(void) {
    char *a = pa_heap_malloc(heap, 32);
    char *b = pa_heap_malloc(heap, 32);
    if (b != a + 32) {
        fprintf(stderr, "misuse: blocks not adjacent\n");
        return 2;
    }
    pa_heap_free(heap, b);
    memset(a, 1, 32);
    return read_byte(a + 32);
}

/* Just before the first block of a pool: the pool header. */
static int header_write(void) {
    char *p = pa_heap_malloc(heap, 48);
    *(volatile char *)(p - 1) = 0x55;
    return 0;
}

/* Branching on bytes never written. */
static int uninitialized_read(void) {
    char *p = pa_heap_malloc(heap, 16);
    if (p[3] == 42)
        puts("forty-two");
    return 0;
}

int main(int argc, char **argv) {
    static const struct {
        const char *name;
        int (*run)(void);
    } scenarios[] = {
        {"use-after-free", use_after_free},
        {"overflow-tail", overflow_tail},
        {"overflow-next-block", overflow_next_block},
        {"header-write", header_write},
        {"uninitialized-read", uninitialized_read},
    };
    heap = pa_heap_create(NULL);
    if (!heap) {
        perror("misuse: pa_heap_create");
        return 2;
    }
    for (size_t i = 0; argc == 2 && i < sizeof scenarios / sizeof *scenarios; i++)
        if (strcmp(argv[1], scenarios[i].name) == 0) {
            int rc = scenarios[i].run();
            printf("misuse: %s went unreported\n", argv[1]);
            return rc == 2 ? 2 : 0;
        }
    fprintf(stderr, "usage: %s SCENARIO (use-after-free, overflow-tail, overflow-next-block, header-write, uninitialized-read)\n",
            argv[0]);
    return 2;
}
