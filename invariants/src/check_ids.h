/* The invariants the checker knows: stable identifier and the rule it names.
 * One list, expanded into the enum and into the table the reports print, so
 * the two can never disagree. Identifiers are part of the interface: never
 * rename or reuse one. */
#ifndef POOLALLOC_CHECK_IDS_H
#define POOLALLOC_CHECK_IDS_H

#define CHK_ID_LIST(X)                                                                                         \
    X(CLASS_GEOMETRY, "class i holds blocks of its documented size (alignment steps to 512 bytes, then four " \
                      "per doubling) starting at first_offset, an alignment multiple after the pool header "   \
                      "and less than one block past it")                                                        \
    X(CLASS_COUNT, "nclasses is the number of classes the configuration implies: the last one's block size " \
                   "is small_threshold")                                                                    \
    X(HEAP_GEOMETRY, "the sizes a heap derives at creation follow the system and the configuration: page_size " \
                     "is the system's page size, pools_per_arena is arena_size / pool_size")                   \
    X(CLASS_USED_LIST_LINK, "a class's used list links only committed, carved pools of live arenas")           \
    X(CLASS_USED_LIST_CYCLE, "a class's used list ends (no pool is on it twice)")                             \
    X(CLASS_USED_LIST_PREV, "a class's used list is consistent both ways (head.prev == NULL, next.prev == this)") \
    X(CLASS_POOLS, "a class's pools counter equals the number of its pools holding blocks")                   \
    X(POOL_SIZE_CLASS, "a carved pool's size_class is a valid class index")                                    \
    X(POOL_ARENA_SLOT, "a pool's arena_slot names the arena it lies in")                                        \
    X(POOL_COUNT_RANGE, "0 <= count <= blocks per pool")                                                      \
    X(POOL_NEXTOFFSET, "nextoffset is a block boundary between the first block and the end of the last one")   \
    X(POOL_MAXNEXTOFFSET, "maxnextoffset == pool_size - block_size")                                          \
    X(POOL_FREELIST_OUT_OF_RANGE, "freelist members lie in [pool + first_offset, pool + nextoffset)")        \
    X(POOL_FREELIST_MISALIGNED, "freelist members start on block boundaries")                                 \
    X(POOL_FREELIST_CYCLE, "a freelist ends: no block is on it twice (bounded walk)")                          \
    X(POOL_FREELIST_EMPTY_NOT_FULL, "freeblock == NULL only when the pool is full")                           \
    X(POOL_BLOCK_ACCOUNTING, "freelist length + count + never-carved blocks == blocks per pool")              \
    X(POOL_LIST_STATE, "an empty pool is on its arena's freepools (or is its class's spare: CLASS_SPARE), a " \
                       "partly used one on exactly its class's used list, a full one on no list")             \
    X(ARENA_BASE, "a live arena's base is aligned to the arena size")                                         \
    X(ARENA_POOL_ADDRESS, "pool_address is a pool boundary inside the arena (or its end)")                    \
    X(ARENA_NTOTALPOOLS, "ntotalpools == arena_size / pool_size")                                             \
    X(ARENA_NFREEPOOLS, "nfreepools == committed free pools on freepools + decommitted + never carved")       \
    X(ARENA_NDECOMMITTED, "an arena's ndecommitted equals the bits set in its decommitted bitmap")            \
    X(ARENA_NCOMMITTED_FREE, "an arena's ncommitted_free equals the length of its freepools list")            \
    X(ARENA_FREEPOOLS_LINK, "an arena's freepools list links only committed, carved pools of that arena")     \
    X(ARENA_FREEPOOLS_CYCLE, "an arena's freepools list ends (its pools are distinct)")                      \
    X(ARENA_DECOMMITTED_NOT_FREE, "a decommitted pool is a free pool: carved once and on no list")           \
    X(USABLE_LIST_LINK, "the usable-arena list links only arena objects that have an arena")                  \
    X(USABLE_LIST_CYCLE, "the usable-arena list ends")                                                        \
    X(USABLE_LIST_PREV, "the usable-arena list is consistent both ways")                                     \
    X(USABLE_LIST_ORDER, "the usable-arena list is sorted by nfreepools, fewest first")                      \
    X(USABLE_LIST_MEMBERSHIP, "the usable-arena list holds exactly the arenas with a free pool")             \
    X(USABLE_INDEX, "last_with_free[n] (nfp2lasta) is the last usable arena with n free pools, NULL if none") \
    X(UNUSED_LIST_LINK, "the unused-object list links only arena objects of the table")                      \
    X(UNUSED_LIST_CYCLE, "the unused-object list ends")                                                       \
    X(UNUSED_LIST_MEMBERSHIP, "an arena object is on the unused list iff it has no arena")                   \
    X(HEAP_ARENAS_CURRENT, "arenas_current equals the arena objects that have an arena")                     \
    X(HEAP_ARENAS_TOTALS, "arenas_allocated_total - arenas_released_total == arenas current")                \
    X(HEAP_ARENAS_HIGHWATER, "arenas current <= arenas_highwater <= arenas_allocated_total")                                            \
    X(HEAP_ARENA_BYTES, "arena_bytes_mapped == arenas current * arena_size")                                 \
    X(HEAP_DECOMMITTED_POOLS, "decommitted_pools equals the bits set in every arena's bitmap")               \
    X(HEAP_LARGE_BLOCKS, "large_blocks equals the entries of the large-block table")                         \
    X(HEAP_LARGE_BYTES, "large_bytes equals the sizes in the large-block table")                              \
    X(LARGE_TABLE_LOAD, "the large-block table's capacity is 0 or a power of two and at most half its slots "  \
                        "hold a block, live or cached (the load pa_large_reserve keeps)")                    \
    X(LARGE_TABLE_PROBE, "a lookup of every block of the large-block table, live or cached, finds its slot: " \
                         "no empty slot lies between the block's home and it")                               \
    X(HEAP_OWNER_CACHE, "every owner_cache slot is empty or names a live arena whose base maps to it")       \
    X(HEAP_OS_MAPPED, "os_bytes_mapped equals what the OS layer (pa_os_counter) has handed out")             \
    X(HEAP_OS_DECOMMITTED, "the OS layer's decommitted bytes equal the decommitted pools, less the decommit run's, times the pool size")   \
    X(STATS_FIGURE, "every pa_heap_stats figure equals what a walk of the heap recomputes")                  \
    X(OWNER_MAP_MISSING, "the ownership map names its arena for every address of a live arena")              \
    X(OWNER_MAP_STRAY, "the ownership map names no arena for an address outside every live arena")           \
    X(LIVE_NOT_OWNED, "a live block lies in a live arena or is in the large-block table")                   \
    X(LIVE_DUPLICATE, "the live set names each block once")                                                   \
    X(LIVE_MISALIGNED, "a live block starts on a block boundary of its pool")                                \
    X(LIVE_IN_FREE_POOL, "a live block's pool is carved and committed")                                      \
    X(LIVE_AND_FREE, "a block is never both live and on a freelist")                                         \
    X(LIVE_AND_NEVER_CARVED, "a block is never both live and never carved")                                  \
    X(LIVE_UNACCOUNTED, "every carved block is live or on its pool's freelist")                              \
    X(LIVE_LARGE_UNACCOUNTED, "every large block in the table is live")                                      \
    X(POISON_HEADER_ADDRESSABLE, "ASan: a carved pool's header and the padding before its first block "       \
                                 "are poisoned")                                                              \
    X(POISON_LIVE_NOT_ADDRESSABLE, "ASan: the requested bytes of a live small block are addressable")         \
    X(POISON_TAIL_ADDRESSABLE, "ASan: a live small block's bytes past the requested size are poisoned")       \
    X(POISON_FREE_ADDRESSABLE, "ASan: a block on a freelist is poisoned whole")                              \
    X(POISON_UNCARVED_ADDRESSABLE, "ASan: a carved pool's never-carved bytes (from nextoffset to the pool's "  \
                                   "end) are poisoned")                                                      \
    X(DEBUG_HEADER, "debug heap: a block's header records a requested size its block can hold")              \
    X(DEBUG_GUARD_BEFORE, "debug heap: the forbidden bytes (0xFD) before a block's data are intact")          \
    X(DEBUG_GUARD_AFTER, "debug heap: the forbidden bytes (0xFD) after a block's data are intact")            \
    X(DEBUG_QUARANTINE_FILL, "debug heap: a quarantined (freed) block still holds the freed fill (0xDD)")     \
    X(DEBUG_QUARANTINE_RING, "debug heap: the quarantine has its ring, holds at most debug_quarantine blocks and fills " \
                             "before it cycles: its oldest block stays in ring slot 0 until the ring is full") \
    X(LARGE_CACHE_LIST, "every large-cache list (one per bin, linked through the large table's slots) "     \
                        "links only cached slots and ends; no block is on two lists or twice on one")          \
    X(LARGE_CACHE_ACCOUNTING, "large_cached_blocks and large_cached_bytes equal the blocks on the bins and "   \
                              "their bin capacities, at most the budget, which lies in [large_cache_bytes, "   \
                              "large_cache_bytes_max]; the window's low-water mark is at most the bytes; "     \
                              "every cached slot of the large table is on a list")                             \
    X(LARGE_CACHE_BLOCK, "a cached large block is aligned to the alignment, cached in one slot and not also "  \
                         "live in the large-block table")                                                       \
    X(RETENTION_EMPTY_ARENAS, "empty_arenas equals the mapped arenas whose pools are all free or their "      \
                              "classes' spares")                                                              \
    X(RETENTION_ALLOWANCE, "arena_allowance is in [1, empty_arenas_max] and pool_allowance in "                \
                           "[decommit_keep_pools, decommit_keep_pools_max]")                                    \
    X(RETENTION_ALLOWANCE_STEP, "each allowance is a value its rises and decays reach from its floor: "        \
                                "doubled (from 0 to 1) up to its most, halved down to its floor")            \
    X(RETENTION_KEPT_ARENAS, "while the OS has refused no unmap, at most arena_allowance arenas whose pools " \
                             "are all free or spares stay mapped under KEEP_ONE and none under RELEASE")     \
    X(RETENTION_KEPT_POOLS, "under DECOMMIT_FREE_POOLS, while the OS has refused no decommit, no arena keeps " \
                            "more committed free pools than decommit_keep_pools_max (an allowance it ever had)")  \
    X(RETENTION_COMMITTED_FREE, "committed_free equals the summed lengths of the arenas' freepools lists, "     \
                                "and the window's low-water marks are at most the counts they follow")      \
    X(RETENTION_WINDOW, "fewer pool takes than a window's length (PA_RETENTION_DECAY_TAKES) since the "      \
                        "retention window started: the window ends, and the allowances are judged, at that take") \
    X(LARGE_CACHE_WINDOW, "fewer cacheable requests than a window's length (PA_LARGE_CACHE_DECAY_TAKES) in the " \
                          "large cache's budget window: the window ends, and the budget is judged, at that one") \
    X(DECOMMIT_RUN, "the decommit run is empty (no arena, no pools) or holds fewer adjacent pools of one live "   \
                    "arena than its maximum, decommit_run_pools capped at the pools per arena, each marked "    \
                    "decommitted")                                                                          \
    X(REMOTE_FREE_CYCLE, "thread heaps: the remote-free list (blocks other threads freed, not yet collected) " \
                         "ends; no member links back to an earlier one")                                       \
    X(REMOTE_FREE_STRAY, "thread heaps: every member of the remote-free list lies at a carved block slot of a " \
                         "carved, committed pool of this heap")                                                 \
    X(REMOTE_FREE_ON_FREELIST, "thread heaps: a member of the remote-free list is counted live in its pool: it " \
                               "is not on the pool's freelist")                                                           \
    X(ARENA_MAP_OWNER, "the process-wide arena map names a thread heap for each of its live arenas, and "     \
                       "another heap's (the shared heap's) arenas for no heap")                               \
    X(ARENA_MAP_STRAY, "the process-wide arena map names a heap for no arena but its own live ones, and a "   \
                       "heap that is not a thread heap (the shared heap) for none")                           \
    X(THREAD_HEAP_LARGE, "a thread heap holds no large blocks, live or cached: the shared heap serves them") \
    X(ORPHAN_LIST_CYCLE, "the orphan list (heaps of exited threads) ends: no orphan links back to an earlier "  \
                         "one")                                                                                 \
    X(ORPHAN_NOT_THREAD_HEAP, "the orphan list holds only thread heaps: not the shared heap, not a heap of "   \
                              "pa_heap_create")                                                                 \
    X(ORPHAN_ATTACHED, "no orphan is held by a live thread: its attached flag is clear")                    \
    X(CLASS_SPARE, "a class holds at most one spare: NULL or a carved, committed pool of a live arena "        \
                   "initialised for that class (its size_class), on no list while it holds no block (a lent " \
                   "spare, in use again, is on the used list or full like any pool in use); NULL when "       \
                   "keep_spare_pools is 0")                                                                   \
    X(ARENA_NSPARES, "an arena's nspares equals the classes whose spare lies in it")                          \
    X(REMOTE_BATCH_CYCLE, "thread heaps: the calling thread's batch of this heap's blocks it freed, not yet " \
                          "pushed on the remote-free list, ends; no member links back to an earlier one")       \
    X(REMOTE_BATCH_STRAY, "thread heaps: every member of the calling thread's batch lies at a carved block "    \
                          "slot of a carved, committed pool of this heap")                                      \
    X(REMOTE_BATCH_ON_FREELIST, "thread heaps: a member of the calling thread's batch is counted live in its " \
                                "pool: it is not on the pool's freelist")                                      \
    X(REMOTE_BATCH_COUNT, "thread heaps: the calling thread's batch holds count members, fewer than its "      \
                          "maximum (one that reaches it is pushed at once), and its tail is the last")    \
    X(CLASS_USED_LIST_TAIL, "a class's used_tail is the last pool of its used list (NULL iff the list is empty)")

typedef enum chk_id {
#define CHK_ENUM(name, text) CHK_##name,
    CHK_ID_LIST(CHK_ENUM)
#undef CHK_ENUM
    CHK_ID_COUNT
} chk_id;

const char *chk_id_name(chk_id id);
const char *chk_id_invariant(chk_id id);

#endif
