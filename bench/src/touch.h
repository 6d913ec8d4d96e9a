/* Writing into a block as a program would: the first word, one byte in each
 * page and the last byte, so every page the block spans becomes resident and
 * RSS reflects what a real user of the memory would see. */
#ifndef BENCH_TOUCH_H
#define BENCH_TOUCH_H

#include <stddef.h>
#include <string.h>

#define BENCH_TOUCH_STRIDE 4096u

static inline void bench_touch_range(void *p, size_t from, size_t to)
{
    unsigned char *b = p;
    if (from >= to)
        return;
    size_t head = to - from < 8 ? to - from : 8;
    memset(b + from, 0xA5, head);
    for (size_t off = from + BENCH_TOUCH_STRIDE; off < to; off += BENCH_TOUCH_STRIDE)
        b[off] = 0xA5;
    b[to - 1] = 0xA5;
}

static inline void bench_touch(void *p, size_t n) { bench_touch_range(p, 0, n); }

#endif
