/* Helpers shared by the checker's tests: heaps in many configurations, a
 * shadow set of live blocks, raw pokes for corrupting a heap (which work
 * under ASan, where the heap poisons its headers), and report assertions. */
#ifndef POOLALLOC_TEST_CHECK_SUPPORT_H
#define POOLALLOC_TEST_CHECK_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "poolalloc/check.h"
#include "poolalloc/heap.h"
#include "poolalloc/introspect.h"
#include "pa_testing/os_counting.h"

/* Configurations the tests sweep: the default, small pools/arenas, and
 * geometric classes (above 512 bytes) in several pool sizes. */
#define TS_NCONFIGS 7
pa_config ts_config(int which);
const char *ts_config_name(int which);

/* The blocks a workload holds, as a fuzz target's shadow model would. */
typedef struct ts_live {
    void **p;
    size_t n, cap;
} ts_live;

void ts_live_add(ts_live *l, void *p);
void *ts_live_take(ts_live *l, size_t i); /* removes entry i */
void ts_live_free(ts_live *l);

uint64_t ts_rand(uint64_t *state);

/* One random step (malloc/calloc/realloc/memalign/free, small and large);
 * touched[] gets the pointers it returned or freed. Returns ntouched. */
size_t ts_step(pa_heap *h, ts_live *l, uint64_t *rng, const void **touched);

/* Byte-wise stores and loads that ASan does not check: corruption on purpose. */
void ts_poke(void *addr, const void *value, size_t n);
void ts_peek(const void *addr, void *value, size_t n);
#define TS_SET(lvalue, value)                      \
    do {                                           \
        __typeof__(lvalue) ts_v_ = (value);        \
        ts_poke(&(lvalue), &ts_v_, sizeof ts_v_);  \
    } while (0)

/* Views by position, failing the test when absent. */
pa_arena_view ts_arena(const pa_heap *h, size_t slot);
pa_pool_view ts_pool(const pa_heap *h, size_t slot, size_t index);

/* The report holds exactly one violation, with this id and message. */
void ts_expect_one(const pa_check_report *r, const char *id, const char *message);
/* Exactly these ids, in order (NULL-terminated). */
void ts_expect_ids(const pa_check_report *r, const char *const *ids);
void ts_expect_clean(const pa_check_report *r, const char *context);

#endif
