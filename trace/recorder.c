/* libpa_trace_recorder.so: an LD_PRELOAD library that writes every call to the
 * malloc family of the program it is loaded into as a trace in the format of
 * trace_format.h, forwarding each call to the next definition (glibc's).
 *
 *   PA_TRACE_OUT=out.trace LD_PRELOAD=.../libpa_trace_recorder.so prog args
 *
 * Where the trace goes (every file is created new, O_EXCL: nothing is ever
 * overwritten):
 *   PA_TRACE_OUT unset or empty   trace.<pid>.txt in the working directory.
 *   PA_TRACE_OUT contains "%p"    that name with each %p replaced by the pid.
 *   otherwise                     that name; a forked child, or an image
 *                                 whose name is taken, uses NAME.<pid>.
 * When the name is taken (an old trace, or the image this one replaced by
 * exec in the same pid), ".2", ".3", ... is appended: in an exec chain each
 * image writes its own file, in order (bash -c 'exec ls' under
 * PA_TRACE_OUT=t gives t for bash and t.<pid> for ls). Before any exec the
 * records so far are flushed.
 * A forked child starts a trace of its own (its IDs begin at 1 again); the
 * blocks it inherited are unknown to it, like any block allocated before
 * recording started: freeing one records nothing, and a realloc of one is
 * recorded as an "m" of the new block.
 *
 * Each pointer gets the next ID when it is returned (IDs are never reused in a
 * recording); 0 is NULL. realloc always gives a new ID, even in place.
 * memalign/aligned_alloc with an alignment that is not a power of two are
 * recorded, when they succeed, with the next power of two (glibc rounds up
 * the same way); calls that fail on a bad alignment are not recorded.
 * valloc/pvalloc are "a" with the page size (pvalloc with the rounded size).
 *
 * Robustness: a static bootstrap arena serves the allocations dlsym makes
 * while the real functions are being looked up; a thread-local guard forwards
 * any allocation made from inside the recorder without recording it; one
 * mutex orders the trace; output goes through a private buffer and write(2)
 * (never stdio); the pointer table lives on mmap; the buffer is flushed when
 * full and from a destructor at exit, after which every line is written at
 * once. _exit and _Exit are intercepted too, to flush before the process
 * ends (shells and forked children often leave that way), and the exec
 * family, to flush before the image goes; only records made before a crash,
 * or before an exit or exec from inside libc itself, since the last flush
 * are lost.
 *
 * This file: the recording state and the interposed allocation functions,
 * fork and exit. recorder_boot.c finds the real functions (and serves dlsym
 * from the bootstrap arena), recorder_output.c writes the trace file,
 * recorder_exec.c flushes before an exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "recorder.h"
#include "recorder_boot.h"
#include "recorder_output.h"
#include "trace_u64map.h"

/* ---- recording state, all under rec_lock ------------------------------ */

pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local bool in_hook TLS_IE; /* this thread is inside the recorder */

static void *map_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
static void map_release(void *mem, size_t bytes) { munmap(mem, bytes); }

static pa_u64map table = {NULL, 0, 0, map_alloc, map_release}; /* address -> ID */
static uint64_t next_id = 1;

/* A fresh ID for a new block (0 for NULL). If the address is already in the
 * table, the block it named was freed in a way the recorder did not see; the
 * old ID is left live in the trace (a leak there) and the address moves on. */
static uint64_t track(void *p)
{
    if (!p)
        return 0;
    uint64_t id = next_id++;
    if (pa_u64map_put(&table, (uint64_t)(uintptr_t)p, id, NULL) < 0) {
        rec_complain("no memory for the pointer table; recording stops");
        rec_flush();
        rec_output_stop();
    }
    return id;
}

static void enter(void)
{
    pthread_mutex_lock(&rec_lock);
    in_hook = true;
}

static void leave(void)
{
    in_hook = false;
    pthread_mutex_unlock(&rec_lock);
}

/* Whether this call is to be recorded (out_state is checked under the lock). */
static bool recording(void) { return !in_hook; }

/* m, c and a: a call that returned p. */
static void record_new(char kind, void *p, uint64_t x, uint64_t size)
{
    int saved = errno;
    enter();
    if (!rec_output_dead()) {
        uint64_t id = track(p);
        if (kind == 'm')
            rec_emit('m', 2, id, size, 0);
        else
            rec_emit(kind, 3, id, x, size);
    }
    leave();
    errno = saved;
}

static uint64_t pow2_at_least(size_t align)
{
    uint64_t a = 1;
    while (a < align && a != 0)
        a <<= 1;
    return a;
}

static bool is_pow2(size_t x) { return x != 0 && (x & (x - 1)) == 0; }

/* ---- the interposed functions ---------------------------------------- */

EXPORT void *malloc(size_t size)
{
    if (rec_bootstrapping())
        return rec_boot_alloc(size, 16);
    void *p = rec_real.malloc(size);
    if (recording())
        record_new('m', p, 0, size);
    return p;
}

EXPORT void *calloc(size_t n, size_t size)
{
    if (rec_bootstrapping()) {
        if (size != 0 && n > SIZE_MAX / size) {
            errno = ENOMEM;
            return NULL;
        }
        return rec_boot_alloc(n * size, 16);
    }
    void *p = rec_real.calloc(n, size);
    if (recording())
        record_new('c', p, n, size);
    return p;
}

EXPORT void free(void *p)
{
    if (p && rec_is_boot(p))
        return;
    if (rec_bootstrapping())
        return; /* only boot blocks exist yet */
    if (recording()) {
        int saved = errno;
        enter();
        uint64_t id = 0;
        if (!p || pa_u64map_remove(&table, (uint64_t)(uintptr_t)p, &id))
            rec_emit('f', 1, id, 0, 0);
        leave();
        errno = saved;
    }
    if (p)
        rec_real.free(p);
}

EXPORT void *realloc(void *old, size_t size)
{
    if (rec_bootstrapping()) {
        void *p = rec_boot_alloc(size, 16);
        if (p && old)
            memcpy(p, old, rec_boot_size(old) < size ? rec_boot_size(old) : size);
        return p;
    }
    if (old && rec_is_boot(old)) {
        void *p = malloc(size);
        if (p)
            memcpy(p, old, rec_boot_size(old) < size ? rec_boot_size(old) : size);
        return p;
    }
    if (!recording())
        return rec_real.realloc(old, size);

    /* The lock is held across the real call: once old is released another
     * thread may be handed the same address, and its record must come after
     * this one. */
    enter();
    void *p = rec_real.realloc(old, size);
    int saved = errno;
    uint64_t old_id = 0;
    bool known = old && pa_u64map_remove(&table, (uint64_t)(uintptr_t)old, &old_id);
    if (rec_output_dead()) {
        /* nothing more is written */
    } else if (!old) {
        uint64_t id = track(p);
        rec_emit('r', 3, 0, id, size);
    } else if (!known) {
        if (p)
            rec_emit('m', 2, track(p), size, 0);
    } else if (p) {
        uint64_t id = track(p);
        rec_emit('r', 3, old_id, id, size);
    } else {
        /* NULL: with size 0 glibc freed old; otherwise old is still there. */
        if (size != 0 && pa_u64map_put(&table, (uint64_t)(uintptr_t)old, old_id, NULL) < 0)
            rec_output_stop();
        rec_emit('r', 3, old_id, 0, size);
    }
    leave();
    errno = saved;
    return p;
}

EXPORT void *reallocarray(void *old, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(old, n * size);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    if (rec_bootstrapping()) {
        void *p = rec_boot_alloc(size, align);
        if (!p)
            return errno;
        *out = p;
        return 0;
    }
    int rc = rec_real.posix_memalign(out, align, size);
    if (recording() && is_pow2(align) && (rc == 0 || rc == ENOMEM))
        record_new('a', rc == 0 ? *out : NULL, align, size);
    return rc;
}

/* memalign and aligned_alloc. */
static void *aligned_common(bool c11, size_t align, size_t size)
{
    if (rec_bootstrapping())
        return rec_boot_alloc(size, pow2_at_least(align));
    void *p = c11 && rec_real.aligned_alloc ? rec_real.aligned_alloc(align, size) : rec_real.memalign(align, size);
    if (recording() && (p || is_pow2(align)))
        record_new('a', p, pow2_at_least(align), size);
    return p;
}

EXPORT void *memalign(size_t align, size_t size) { return aligned_common(false, align, size); }
EXPORT void *aligned_alloc(size_t align, size_t size) { return aligned_common(true, align, size); }

/* valloc, and pvalloc (whole: the size rounded up to whole pages). */
static void *page_aligned(bool whole, size_t size)
{
    size_t want = size;
    if (whole) {
        want = size + rec_page_size - 1 < size ? size : (size + rec_page_size - 1) & ~(rec_page_size - 1);
        if (want == 0)
            want = rec_page_size;
    }
    if (rec_bootstrapping())
        return rec_boot_alloc(want, rec_page_size);
    void *(*fn)(size_t) = whole ? rec_real.pvalloc : rec_real.valloc;
    void *p = fn ? fn(size) : rec_real.memalign(rec_page_size, want);
    if (recording())
        record_new('a', p, rec_page_size, want);
    return p;
}

EXPORT void *valloc(size_t size) { return page_aligned(false, size); }
EXPORT void *pvalloc(size_t size) { return page_aligned(true, size); }

EXPORT size_t malloc_usable_size(void *p)
{
    if (p && rec_is_boot(p))
        return rec_boot_size(p);
    if (rec_bootstrapping() || !p)
        return 0;
    return rec_real.malloc_usable_size ? rec_real.malloc_usable_size(p) : 0;
}

/* ---- process life ------------------------------------------------------ */

static void before_fork(void) { pthread_mutex_lock(&rec_lock); }
static void after_fork_parent(void) { pthread_mutex_unlock(&rec_lock); }

static void after_fork_child(void)
{
    rec_output_forked();
    pa_u64map_clear(&table);
    next_id = 1;
    pthread_mutex_unlock(&rec_lock);
}

/* _exit and _Exit: flush what this process recorded, unless the lock is
 * held (an _exit from a signal handler that interrupted the recorder), then
 * end the process as glibc does. */
static _Noreturn void flush_and_exit(int status)
{
    if (pthread_mutex_trylock(&rec_lock) == 0) {
        rec_flush();
        pthread_mutex_unlock(&rec_lock);
    }
    for (;;)
        syscall(SYS_exit_group, status);
}

EXPORT void _exit(int status) { flush_and_exit(status); }
EXPORT void _Exit(int status) { flush_and_exit(status); }

__attribute__((constructor)) static void recorder_start(void)
{
    (void)rec_bootstrapping();
    in_hook = true;
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    in_hook = false;
    pthread_mutex_lock(&rec_lock);
    rec_output_started();
    pthread_mutex_unlock(&rec_lock);
}

__attribute__((destructor)) static void recorder_stop(void)
{
    pthread_mutex_lock(&rec_lock);
    rec_flush();
    rec_output_write_through();
    pthread_mutex_unlock(&rec_lock);
}
