/* The real functions and the bootstrap arena (recorder_boot.h). */
#define _GNU_SOURCE
#include "recorder_boot.h"

#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

rec_real_functions rec_real;
size_t rec_page_size = 4096;

enum { INIT_NONE, INIT_RUNNING, INIT_DONE };
static atomic_int init_state = INIT_NONE;
static _Thread_local bool in_init TLS_IE; /* this thread is resolving */

#define BOOT_SIZE ((size_t)64 * 1024)
#define BOOT_HDR ((size_t)16)
static alignas(4096) unsigned char boot_arena[BOOT_SIZE];
static size_t boot_used; /* touched only by the resolving thread */

bool rec_is_boot(const void *p)
{
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)boot_arena;
    return a >= lo && a < lo + BOOT_SIZE;
}

/* Each block is preceded by its size; the arena is never reused, so blocks are
 * zero-filled (it is static) and freeing one is a no-op. */
void *rec_boot_alloc(size_t size, size_t align)
{
    if (align < BOOT_HDR)
        align = BOOT_HDR;
    if (align & (align - 1)) {
        errno = EINVAL;
        return NULL;
    }
    size_t start = (boot_used + BOOT_HDR + align - 1) & ~(align - 1);
    if (start > BOOT_SIZE || size > BOOT_SIZE - start) {
        errno = ENOMEM;
        return NULL;
    }
    boot_used = start + size;
    memcpy(boot_arena + start - sizeof(size_t), &size, sizeof size);
    return boot_arena + start;
}

size_t rec_boot_size(const void *p)
{
    size_t size;
    memcpy(&size, (const unsigned char *)p - sizeof(size_t), sizeof size);
    return size;
}

#define RESOLVE(name) (rec_real.name = (__typeof__(rec_real.name))dlsym(RTLD_NEXT, #name))

static void resolve(void)
{
    int expected = INIT_NONE;
    if (atomic_compare_exchange_strong(&init_state, &expected, INIT_RUNNING)) {
        in_init = true;
        RESOLVE(malloc);
        RESOLVE(free);
        RESOLVE(calloc);
        RESOLVE(realloc);
        RESOLVE(posix_memalign);
        RESOLVE(aligned_alloc);
        RESOLVE(memalign);
        RESOLVE(valloc);
        RESOLVE(pvalloc);
        RESOLVE(malloc_usable_size);
        RESOLVE(execve);
        RESOLVE(execv);
        RESOLVE(execvp);
        RESOLVE(execvpe);
        RESOLVE(fexecve);
        long ps = sysconf(_SC_PAGESIZE);
        if (ps > 0)
            rec_page_size = (size_t)ps;
        in_init = false;
        if (!rec_real.malloc || !rec_real.free || !rec_real.calloc || !rec_real.realloc) {
            static const char msg[] = "pa_trace_recorder: cannot find the real malloc functions\n";
            ssize_t ignored = write(2, msg, sizeof msg - 1);
            (void)ignored;
            abort();
        }
        atomic_store(&init_state, INIT_DONE);
        return;
    }
    while (atomic_load(&init_state) != INIT_DONE)
        sched_yield();
}

bool rec_bootstrapping(void)
{
    if (atomic_load_explicit(&init_state, memory_order_acquire) == INIT_DONE)
        return false;
    if (in_init)
        return true;
    resolve();
    return false;
}
