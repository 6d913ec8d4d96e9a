/* A write after free that overwrites a free block's freelist link, run
 * under the drop-in with POOLALLOC_CHECK=every:1: the incremental check
 * after the next free in that pool must report POOL_FREELIST_OUT_OF_RANGE,
 * with the heap's statistics and a backtrace, and abort. Prints "not
 * caught" and exits 0 if nothing stops it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    char *keep = malloc(32), *p = malloc(32), *q = malloc(32);
    free(p);
    *(volatile uintptr_t *)p = 0x12345;
    free(q);
    puts("not caught");
    free(keep);
    return 0;
}
