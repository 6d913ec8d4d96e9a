#include "thread_heap.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "arena_owner.h"
#include "fast_path.h"
#include "heap_dispatch.h"
#include "large_os.h"
#include "layout.h"
#include "retention.h"
#include "thread_switch.h"

/* No fast path serves it (no size is small, no arena is cached), so a
 * thread's first call reaches a slow path, which attaches a heap. */
static pa_heap empty_heap = {.arena_low = 1};
__thread pa_heap *pa_tls_heap __attribute__((tls_model("initial-exec"))) = &empty_heap;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key; /* its destructor orphans the thread's heap */
static pa_config heap_config;

static pthread_mutex_t orphan_lock = PTHREAD_MUTEX_INITIALIZER;
static pa_heap *orphans;

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static pa_heap *shared;

static int slow_paths_only;

/* POOLALLOC_DEBUG=1 (or a number above 1: the quarantine length) puts the
 * default heap under the debug layer, as PYTHONMALLOC=debug does for
 * CPython; 1 keeps this many freed blocks in quarantine. */
#define ENV_DEBUG_QUARANTINE 256

/* Each block freed as the owner's own free would free it: the inlined fast
 * path, the slow path for what it declines. The next block, last written
 * by the thread that freed it, is fetched while this one is freed. */
__attribute__((noinline)) void pa_thread_collect(pa_heap *h) {
    pa_block *b = atomic_exchange_explicit(&h->remote_free, NULL, memory_order_acquire);
    while (b) {
        pa_block *next = pa_link_read(b);
        __builtin_prefetch(next, 1);
        if (!pa_fast_free_try(h, b))
            pa_heap_free_slow(h, b);
        b = next;
    }
}

/* A thread that only freed other threads' blocks has no heap: its key's
 * value is the empty heap, so that it pushes its batch here too. */
static void thread_exit(void *heap) {
    pa_thread_flush_remote();
    pa_heap *h = heap;
    if (h == &empty_heap)
        return;
    pa_thread_collect(h);
    pa_tls_heap = &empty_heap;
    pthread_mutex_lock(&orphan_lock);
    h->attached = 0;
    h->next_orphan = orphans;
    orphans = h;
    pthread_mutex_unlock(&orphan_lock);
}

/* Medium blocks, in the drop-in: above the default 4096 bytes the heaps
 * still serve, from their pools, every class of which a pool holds two
 * blocks (up to 7168 bytes with 16 KiB pools), as glibc keeps blocks below
 * its mmap threshold in its heap: a pool pop in the thread's own heap,
 * with no lock, instead of a mapping of two pages each for a block of
 * 4.5 KiB in the shared heap.
 * Over the C library's malloc, which already keeps them in its heap, the
 * sqlite trace ran slower with them (docs/ARCHITECTURE.md, "Medium blocks
 * in the drop-in"). */
#ifdef PA_DROPIN
#define MEDIUM_CLASSES 1
#else
#define MEDIUM_CLASSES 0
#endif

static pa_config with_medium_classes(pa_config cfg) {
    size_t g = cfg.small_threshold > PA_LINEAR_THRESHOLD ? pa_layout_geometric_class(cfg.small_threshold) + 1 : 0;
    for (pa_config next = cfg; g < PA_GEOMETRIC_CLASSES; g++) {
        next.small_threshold = pa_layout_geometric_size(g);
        if (pa_config_validate(&next, NULL, 0))
            break;
        cfg = next;
    }
    return cfg;
}

static void init_once(void) {
    pa_config cfg = pa_config_default();
    const char *debug = getenv("POOLALLOC_DEBUG");
    if (debug && *debug && strcmp(debug, "0") != 0) {
        unsigned long quarantine = strtoul(debug, NULL, 10);
        cfg.debug = 1;
        cfg.debug_quarantine = quarantine > 1 ? (unsigned)quarantine : ENV_DEBUG_QUARANTINE;
    }
#ifdef PA_DROPIN
    cfg.large = pa_large_os(); /* the C library's malloc is this library */
#endif
    /* In debug mode the shared heap is every thread's: the documented one. */
    heap_config = MEDIUM_CLASSES && !cfg.debug ? with_medium_classes(cfg) : cfg;
    pa_arena_owner_init((unsigned)__builtin_ctzl(cfg.arena_size));
    pthread_key_create(&exit_key, thread_exit);
}

/* An orphan if there is one, else a new heap. A debug heap's blocks carry
 * headers the remote list would overwrite, so debug mode has no thread
 * heaps: the shared heap serves every thread. */
__attribute__((noinline, cold)) pa_heap *pa_thread_attach(void) {
    pthread_once(&once, init_once);
    if (heap_config.debug)
        return NULL;
    pthread_mutex_lock(&orphan_lock);
    pa_heap *h = orphans;
    if (h)
        orphans = h->next_orphan;
    pthread_mutex_unlock(&orphan_lock);
    if (!h) {
        h = pa_heap_create(&heap_config);
        if (!h)
            return NULL;
        h->in_arena_map = 1;
        if (slow_paths_only)
            pa_heap_slow_paths_only(h);
        pa_heap_mark_default(h);
        pa_retention_share(h);
    }
    h->next_orphan = NULL;
    h->attached = 1;
    pa_tls_heap = h;
    pthread_setspecific(exit_key, h);
    return h;
}

void pa_thread_heaps_slow_paths_only(void) { slow_paths_only = 1; }

pa_heap *pa_thread_switch_current(void) { return pa_tls_heap->in_arena_map ? pa_tls_heap : NULL; }

/* The key's value follows the heap, so a real exit of this OS thread
 * orphans the heap it is at that moment, and only that one. */
void pa_thread_switch_to(pa_heap *h) {
    pthread_once(&once, init_once);
    pa_thread_flush_remote();
    pa_tls_heap = h ? h : &empty_heap;
    pthread_setspecific(exit_key, h);
}

void pa_thread_switch_misuse(pa_misuse_handler handler, void *ctx) {
    pthread_once(&once, init_once);
    heap_config.on_misuse = handler;
    heap_config.misuse_ctx = ctx;
}

void pa_thread_switch_exit(void) {
    pa_thread_flush_remote();
    pa_heap *h = pa_thread_switch_current();
    if (!h)
        return;
    pthread_setspecific(exit_key, NULL);
    thread_exit(h);
}

size_t pa_thread_orphans(pa_orphan_view *out, size_t max) {
    pthread_mutex_lock(&orphan_lock);
    size_t n = 0;
    for (const pa_heap *h = orphans; h && n < max; h = h->next_orphan, n++) {
        out[n].heap = (uintptr_t)h;
        out[n].next = (uintptr_t)h->next_orphan;
        out[n].thread_heap = h->in_arena_map;
        out[n].shared = h == shared;
        out[n].attached = h->attached;
    }
    pthread_mutex_unlock(&orphan_lock);
    return n;
}

/* Each lock tried and, if that took it, released at once: held means
 * another thread holds it, or this one does and has not let go. */
unsigned pa_thread_locks_held(void) {
    static const struct {
        pthread_mutex_t *lock;
        unsigned bit;
    } locks[] = {{&shared_lock, PA_LOCK_SHARED_HEAP}, {&orphan_lock, PA_LOCK_ORPHANS}};
    unsigned held = 0;
    for (size_t i = 0; i < sizeof locks / sizeof locks[0]; i++) {
        if (pthread_mutex_trylock(locks[i].lock) == 0)
            pthread_mutex_unlock(locks[i].lock);
        else
            held |= locks[i].bit;
    }
    return held;
}

/* An orphan has no thread: under the orphan lock, which adopting one
 * takes, the caller may collect, read and trim it. */
void pa_thread_each_orphan(void (*fn)(pa_heap *h, void *ctx), void *ctx) {
    pthread_mutex_lock(&orphan_lock);
    for (pa_heap *h = orphans; h; h = h->next_orphan) {
        pa_thread_collect(h);
        fn(h, ctx);
    }
    pthread_mutex_unlock(&orphan_lock);
}

__thread pa_remote_batch pa_tls_batch __attribute__((tls_model("initial-exec")));

/* A push-only stack emptied by one exchange has no ABA problem. */
void pa_thread_flush_remote(void) {
    pa_remote_batch *t = &pa_tls_batch;
    if (!t->count)
        return;
    pa_heap *owner = t->owner;
    pa_block *head = atomic_load_explicit(&owner->remote_free, memory_order_relaxed);
    do
        pa_link_write(t->tail, head);
    while (!atomic_compare_exchange_weak_explicit(&owner->remote_free, &head, t->head, memory_order_release,
                                                  memory_order_relaxed));
    *t = (pa_remote_batch){0};
}

/* A new batch of owner's blocks, first its first, once the last one is
 * pushed; the thread's exit pushes it even if the thread never had a heap. */
static __attribute__((noinline)) void start_batch(pa_heap *owner, pa_block *first) {
    pa_thread_flush_remote();
    pthread_once(&once, init_once);
    if (!pthread_getspecific(exit_key)) {
        pthread_setspecific(exit_key, &empty_heap);
        /* The C library may have allocated for the key (past its first 32
         * keys), so that this thread attached a heap meanwhile, whose key
         * value the outer call then overwrote. */
        if (pa_tls_heap->in_arena_map)
            pthread_setspecific(exit_key, pa_tls_heap);
    }
    pa_link_write(first, NULL);
    pa_tls_batch = (pa_remote_batch){.owner = owner, .head = first, .tail = first, .count = 1};
}

/* Both calls are tail calls: the common case takes no stack frame. */
void pa_thread_free_remote(pa_heap *owner, void *p) {
    pa_remote_batch *t = &pa_tls_batch;
    pa_block *b = p;
    if (PA_UNLIKELY(t->owner != owner)) {
        start_batch(owner, b);
        return;
    }
    pa_link_write(b, t->head);
    t->head = b;
    if (PA_UNLIKELY(++t->count == PA_REMOTE_BATCH_MAX))
        pa_thread_flush_remote();
}

pa_heap *pa_shared_heap_lock(void) {
    pthread_once(&once, init_once);
    pthread_mutex_lock(&shared_lock);
    if (!shared && (shared = pa_heap_create(&heap_config)) != NULL) {
        pa_heap_mark_default(shared);
        pa_retention_share(shared);
    }
    if (!shared) {
        pthread_mutex_unlock(&shared_lock);
        errno = ENOMEM;
    }
    return shared;
}

void pa_shared_heap_unlock(void) { pthread_mutex_unlock(&shared_lock); }

void *pa_shared_alloc(pa_shared_call call, void *p, size_t count, size_t size) {
    pa_heap *s = pa_shared_heap_lock();
    if (!s)
        return NULL;
    void *q;
    switch (call) {
    case PA_SHARED_MALLOC: q = pa_heap_malloc(s, size); break;
    case PA_SHARED_CALLOC: q = pa_heap_calloc(s, count, size); break;
    case PA_SHARED_REALLOC: q = pa_heap_realloc(s, p, size); break;
    default: q = pa_heap_memalign(s, count, size); break;
    }
    pa_shared_heap_unlock();
    return q;
}

/* fork: the child's one thread must find the process-wide locks free, and
 * the lists and the shared heap they guard consistent: both are held
 * across the fork. Registered at load time, not from a first malloc that
 * could be running inside the C library's own locks. */
static void fork_prepare(void) {
    pthread_mutex_lock(&orphan_lock);
    pthread_mutex_lock(&shared_lock);
}

static void fork_done(void) {
    pthread_mutex_unlock(&shared_lock);
    pthread_mutex_unlock(&orphan_lock);
}

__attribute__((constructor)) static void register_fork_handlers(void) {
    pthread_atfork(fork_prepare, fork_done, fork_done);
}
