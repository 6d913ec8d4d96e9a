/* The record of pa_check_incremental_recorded (pa_check_record in
 * poolalloc/check.h): what the last check of one heap found sound, so that
 * the next one reads what may have changed instead of confirming everything
 * again. Its parts are check_freelist_record.c's (the freelists) and
 * check_owner_cache.c's (the owner cache). */
#ifndef POOLALLOC_CHECK_RECORD_H
#define POOLALLOC_CHECK_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "poolalloc/check.h"

struct chk_pool_entry;

/* The owner cache as the last check confirmed every slot of it, and the
 * arena totals it was confirmed under. */
typedef struct chk_owner_record {
    const pa_heap *heap; /* NULL: nothing confirmed */
    uint64_t allocated_total, released_total;
    size_t nslots, arena_size;
    uintptr_t *slots;
} chk_owner_record;

struct pa_check_record {
    struct chk_pool_entry *pools; /* the freelists, by pool address (open addressing) */
    size_t cap, used;
    chk_owner_record owner;
};

/* check_freelist_record.c: gives back the freelists' table. */
void chk_record_free_pools(pa_check_record *m);

#endif
