/* Arenas: where pools come from and go back to. The usable list is kept
 * sorted by free pools, fewest first, so allocation fills the fullest arenas
 * and the emptiest drain and go back to the OS. */
#ifndef POOLALLOC_ARENA_H
#define POOLALLOC_ARENA_H

#include "heap_types.h"

/* A free pool from the fullest usable arena (a new arena when none has one).
 * *kept_header is 1 when the pool was a committed free pool whose header and
 * freelist are intact. NULL with errno ENOMEM on failure; nothing changed. */
pa_pool *pa_arena_take_pool(pa_heap *h, int *kept_header);
/* The pool's last block was freed and it is on no list: back to its arena,
 * which may then go back to the OS or have the pool decommitted. */
void pa_arena_give_pool(pa_heap *h, pa_pool *pool);
/* The last block of pool, of class c, was freed and it is on no list: it
 * is (again) c's spare (see arena.c, "spares"), or goes back to its arena.
 * A class with no pool in use uses its spare, if it has one with no
 * block, as it is: no call here. */
void pa_arena_pool_emptied(pa_heap *h, pa_size_class *c, pa_pool *pool);
/* Give back what the heap keeps for reuse: the classes' spares, unmap its
 * wholly free arenas and decommit the committed free pools of the others;
 * the bytes given back. */
size_t pa_arena_trim(pa_heap *h);
/* Unmap every arena and the arena table (heap destroy). */
void pa_arena_release_all(pa_heap *h);

#endif
