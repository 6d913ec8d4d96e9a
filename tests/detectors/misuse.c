/* Misuses a heap in one named way, so a test can assert that ASan, MSan or
 * Valgrind memcheck reports it, with the report kind each tool gives. Reads
 * go through a volatile pointer so the compiler cannot drop them. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "poolalloc/os.h"
#include "poolalloc/poolalloc.h"

#ifdef __has_feature
#if __has_feature(address_sanitizer)
#define MISUSE_LSAN 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define MISUSE_LSAN 1
#endif
#ifdef MISUSE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* A scenario's own verdict: the tool reported it and the program went on. */
#define REPORTED 3

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

#ifdef MISUSE_LSAN
/* The OS layer, remembering the last region it mapped. */
static void *last_map;
static size_t last_map_size;

static void *recording_map(void *ctx, size_t size, size_t alignment) {
    pa_os_ops os = pa_os_mmap();
    (void)ctx;
    last_map = os.map(os.ctx, size, alignment);
    last_map_size = size;
    return last_map;
}

static int plain_unmap(void *ctx, void *p, size_t size) {
    pa_os_ops os = pa_os_mmap();
    (void)ctx;
    return os.unmap(os.ctx, p, size);
}

/* The only pointer to a fresh block goes to *where; this frame is gone
 * before the leak check, so no stack copy is left. */
__attribute__((noinline)) static void store_only_pointer(void **where) { *where = malloc(64); }

/* A heap's large-block table is an LSan root while the heap lives (it holds
 * the only pointers to the C library's blocks). Once the heap is destroyed,
 * the table's range must stop being a root: a block whose only pointer lies
 * in new memory mapped there is a leak. */
static int leak_in_former_table(void) {
    pa_config cfg = pa_config_default();
    cfg.os = pa_os_mmap();
    cfg.os.map = recording_map;
    cfg.os.unmap = plain_unmap;
    pa_heap *h = pa_heap_create(&cfg);
    void *big = h ? pa_heap_malloc(h, 2 * cfg.small_threshold) : NULL;
    void *table = last_map;
    size_t table_size = last_map_size;
    if (!big) {
        fprintf(stderr, "misuse: no heap or no large block\n");
        return 2;
    }
    pa_heap_free(h, big);
    pa_heap_destroy(h);
    void **former = mmap(table, table_size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (former != table) {
        fprintf(stderr, "misuse: the table's former range is taken\n");
        return 2;
    }
    store_only_pointer(former);
    if (!__lsan_do_recoverable_leak_check())
        return 0;
    free(*former);
    return REPORTED;
}
#endif

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
#ifdef MISUSE_LSAN
        {"leak-in-former-table", leak_in_former_table},
#endif
    };
    heap = pa_heap_create(NULL);
    if (!heap) {
        perror("misuse: pa_heap_create");
        return 2;
    }
    for (size_t i = 0; argc == 2 && i < sizeof scenarios / sizeof *scenarios; i++)
        if (strcmp(argv[1], scenarios[i].name) == 0) {
            int rc = scenarios[i].run();
            if (rc == REPORTED)
                return 0;
            printf("misuse: %s went unreported\n", argv[1]);
            return rc == 2 ? 2 : 0;
        }
    fprintf(stderr, "usage: %s SCENARIO (use-after-free, overflow-tail, overflow-next-block, header-write, uninitialized-read, leak-in-former-table)\n",
            argv[0]);
    return 2;
}
