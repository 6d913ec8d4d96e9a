/* Sorting block addresses, which every walk by address needs: a radix sort
 * on the bytes in which the addresses differ (a heap's blocks share their
 * high bytes, so three passes or so), nothing at all for input already in
 * order, insertion for a handful. */
#include <stdlib.h>
#include <string.h>

#include "check_full.h"

static int sorted(const uintptr_t *a, size_t n, size_t words) {
    for (size_t i = 1; i < n; i++)
        if (a[(i - 1) * words] > a[i * words])
            return 0;
    return 1;
}

static void insertion(uintptr_t *a, size_t n, size_t words) {
    uintptr_t rec[2];
    for (size_t i = 1; i < n; i++) {
        memcpy(rec, &a[i * words], words * sizeof *a);
        size_t j = i;
        for (; j > 0 && a[(j - 1) * words] > rec[0]; j--)
            memcpy(&a[j * words], &a[(j - 1) * words], words * sizeof *a);
        memcpy(&a[j * words], rec, words * sizeof *a);
    }
}

void chk_sort_records(uintptr_t *a, size_t n, size_t words) {
    if (sorted(a, n, words))
        return;
    if (n <= 32) {
        insertion(a, n, words);
        return;
    }
    uintptr_t *tmp = malloc(n * words * sizeof *tmp);
    if (!tmp) {
        qsort(a, n, words * sizeof *a, chk_by_addr);
        return;
    }
    uintptr_t all = ~(uintptr_t)0, any = 0;
    for (size_t i = 0; i < n; i++) {
        all &= a[i * words];
        any |= a[i * words];
    }
    uintptr_t differ = all ^ any, *src = a, *dst = tmp;
    for (unsigned shift = 0; shift < 8 * sizeof(uintptr_t); shift += 8) {
        if (!((differ >> shift) & 0xff))
            continue; /* every key has the same byte here: the pass would keep the order */
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++)
            count[(src[i * words] >> shift) & 0xff]++;
        for (size_t d = 0, at = 0; d < 256; d++) {
            size_t c = count[d];
            count[d] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++) {
            size_t to = count[(src[i * words] >> shift) & 0xff]++;
            dst[to * words] = src[i * words];
            if (words == 2)
                dst[to * words + 1] = src[i * words + 1];
        }
        uintptr_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * words * sizeof *a);
    free(tmp);
}
