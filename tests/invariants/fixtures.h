/* Small real heaps in known states, for corrupting one thing at a time.
 * Each setup builds one; each teardown asserts that, with the corruption
 * undone, the full check is silent again (so the corruption was the only
 * fault), then destroys the heap. */
#ifndef POOLALLOC_TEST_CHECK_FIXTURES_H
#define POOLALLOC_TEST_CHECK_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

#include "heap_types.h"
#include "support.h"

typedef struct ts_fx {
    pa_heap *h;
    pa_os_counter os;
    pa_check_report *r;
    void *blk[16];           /* blocks the setup allocated (some freed) */
    size_t slot;             /* the arena of blk[0] */
    pa_arena *arena;
    uintptr_t base;
    size_t index;            /* the pool of blk[0] */
    pa_pool *pool;
    size_t cls, bs, first, cap, ppa;
    pa_arena *three[3];      /* three_arenas: arenas with 1, 2 and 3 free pools */
} ts_fx;

/* One partly used pool of class 2 (48-byte blocks, default configuration):
 * blk[0..9] allocated, blk[2] and blk[5] freed, so the freelist is
 * blk[5] -> blk[2] -> blk[10 slot] (the block carved ahead) -> NULL. */
int ts_setup_one_pool(void **state);
/* One arena whose only carved pool is empty and on its freepools (policy
 * KEEP_ALL, no decommit). */
int ts_setup_empty_arena(void **state);
/* Three arenas of four pools, with 1, 2 and 3 free pools: the usable list
 * is three[0], three[1], three[2]. Also holds one large block in blk[15]. */
int ts_setup_three_arenas(void **state);
/* The default layout, spares kept: blk[1] (100 bytes) live; blk[0] (48
 * bytes) freed, so its pool (fx->pool, class fx->cls, arena fx->arena) is
 * its class's spare, holding no block, in an arena that holds blk[1]. */
int ts_setup_spare(void **state);
/* A debug heap (pa_config.debug, a quarantine of 4, default classes up to
 * 4096): blk[0] 10 bytes (serial 1), blk[1] 5000 bytes, large (serial 2),
 * blk[2] 100 bytes aligned to 64, so 64 bytes of lead (serial 3), all live;
 * blk[3] 20 bytes (serial 4) and blk[4] 7000 bytes, large (serial 5), freed
 * and quarantined. */
int ts_setup_debug(void **state);
/* Memory kept for reuse (policy KEEP_ALL, no decommit, 4 pools of 4 KiB per
 * arena, classes up to 512 bytes): two wholly free arenas, and five freed large blocks in the large
 * cache: 600 bytes twice (entries 1 and 2, bin 1, 640-byte blocks: the list
 * is 2 -> 1), 700 (entry 3, bin 2, 704), 5000 (entry 4, bin 25, 5120) and
 * 40000 (entry 5, bin 49, 40960); the first free entry is 6. blk[15]: a live
 * large block of 3000 bytes. */
int ts_setup_reuse(void **state);
/* A decommit run waiting (one arena of sixteen 4 KiB pools, classes up to
 * 512 bytes, kept whole,
 * decommit_keep_pools 0, decommit_run_pools 8): one block in each pool,
 * blk[i] in pool i; blk[1..3] freed, so pools 1..3 are the run, marked
 * decommitted, and the OS layer has been asked for nothing. */
int ts_setup_decommit_run(void **state);
int ts_teardown(void **state);

/* The one_pool fixture's live blocks (8 of them) into out[]; returns 8. */
size_t ts_one_pool_live(const ts_fx *fx, const void **out);
/* Ghost check of live[] expecting exactly one violation. */
void ts_live_one(ts_fx *fx, const void *const *live, size_t n, const char *id, const char *message);
/* Full check (with the OS counter) expecting violations of one id with
 * these messages, in order (NULL-terminated). */
void ts_full_all(ts_fx *fx, const char *id, const char *const *messages);

/* Set lvalue to value, run body, put the old value back (all through
 * ts_poke/ts_peek, so it works on memory ASan has poisoned). */
#define TS_CORRUPT(lvalue, value, body)                         \
    do {                                                        \
        __typeof__(lvalue) ts_saved_;                           \
        ts_peek(&(lvalue), &ts_saved_, sizeof ts_saved_);       \
        TS_SET(lvalue, value);                                  \
        body;                                                   \
        ts_poke(&(lvalue), &ts_saved_, sizeof ts_saved_);       \
    } while (0)

/* The freelist link stored in a free block. */
#define TS_LINK(addr) (((pa_block *)(addr))->next)

/* Address of block i of the fixture's pool, and its offset in the pool. */
uintptr_t ts_block(const ts_fx *fx, size_t i);
size_t ts_off(const ts_fx *fx, size_t i);

/* In a cmocka test with a fixture: fx, and "arena S pool I" for messages. */
#define FX ts_fx *fx = *state
#define AT "arena %zu pool %zu"
#define AT_ARGS fx->slot, fx->index
/* printf into a static buffer (one message at a time). */
const char *ts_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Full check (with the OS counter) expecting exactly one violation. */
void ts_full_one(ts_fx *fx, const char *id, const char *message);

#endif
