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
 * are lost. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "trace_u64map.h"

#define EXPORT __attribute__((visibility("default")))
#define TLS_IE __attribute__((tls_model("initial-exec")))

/* ---- the real functions ---------------------------------------------- */

static struct {
    void *(*malloc)(size_t);
    void (*free)(void *);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    int (*posix_memalign)(void **, size_t, size_t);
    void *(*aligned_alloc)(size_t, size_t);
    void *(*memalign)(size_t, size_t);
    void *(*valloc)(size_t);
    void *(*pvalloc)(size_t);
    size_t (*malloc_usable_size)(void *);
    int (*execve)(const char *, char *const[], char *const[]);
    int (*execv)(const char *, char *const[]);
    int (*execvp)(const char *, char *const[]);
    int (*execvpe)(const char *, char *const[], char *const[]);
    int (*fexecve)(int, char *const[], char *const[]);
} real;

enum { INIT_NONE, INIT_RUNNING, INIT_DONE };
static atomic_int init_state = INIT_NONE;
static _Thread_local bool in_init TLS_IE;  /* this thread is resolving */
static _Thread_local bool in_hook TLS_IE;  /* this thread is inside the recorder */
static size_t page_size = 4096;

/* ---- bootstrap arena: what dlsym allocates during the look-up ------------ */

#define BOOT_SIZE ((size_t)64 * 1024)
#define BOOT_HDR ((size_t)16)
static alignas(4096) unsigned char boot_arena[BOOT_SIZE];
static size_t boot_used; /* touched only by the resolving thread */

static bool is_boot(const void *p)
{
    uintptr_t a = (uintptr_t)p, lo = (uintptr_t)boot_arena;
    return a >= lo && a < lo + BOOT_SIZE;
}

/* Each block is preceded by its size; the arena is never reused, so blocks are
 * zero-filled (it is static) and freeing one is a no-op. */
static void *boot_alloc(size_t size, size_t align)
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

static size_t boot_size(const void *p)
{
    size_t size;
    memcpy(&size, (const unsigned char *)p - sizeof(size_t), sizeof size);
    return size;
}

#define RESOLVE(name) (real.name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name))

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
            page_size = (size_t)ps;
        in_init = false;
        if (!real.malloc || !real.free || !real.calloc || !real.realloc) {
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

/* true: serve this call from the bootstrap arena (dlsym is running on this
 * thread); false: the real functions are ready. */
static bool bootstrapping(void)
{
    if (atomic_load_explicit(&init_state, memory_order_acquire) == INIT_DONE)
        return false;
    if (in_init)
        return true;
    resolve();
    return false;
}

/* ---- recording state, all under `lock` ------------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *map_alloc(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}
static void map_release(void *mem, size_t bytes) { munmap(mem, bytes); }

static pa_u64map table = {NULL, 0, 0, map_alloc, map_release}; /* address -> ID */
static uint64_t next_id = 1;

enum { OUT_CLOSED, OUT_OPEN, OUT_DEAD };
static int out_state = OUT_CLOSED;
static int out_fd = -1;
static bool forked_child;  /* this process is a fork of a recording one */
static bool write_through; /* after the exit destructor: no buffering */
static bool started;       /* the constructor ran: libc (getenv) is usable */
static char out_buf[1 << 16];
static size_t out_len;

static void complain(const char *what)
{
    static const char pre[] = "pa_trace_recorder: ";
    ssize_t ignored = write(2, pre, sizeof pre - 1);
    ignored = write(2, what, strlen(what));
    ignored = write(2, "\n", 1);
    (void)ignored;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool open_output(void);

static void flush_out(void)
{
    if (out_len == 0)
        return;
    if (out_state == OUT_CLOSED) {
        if (!started) {
            complain("too many allocations before start-up; nothing is recorded");
            out_state = OUT_DEAD;
        } else {
            (void)open_output();
        }
    }
    if (out_state == OUT_OPEN && !write_all(out_fd, out_buf, out_len)) {
        complain("write failed; recording stops");
        out_state = OUT_DEAD;
    }
    out_len = 0;
}

static char *put_u64(char *p, uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0)
        *p++ = digits[--n];
    return p;
}

static char *put_str(char *p, const char *s, char *end)
{
    while (*s && p < end)
        *p++ = *s++;
    return p;
}

static void append(const char *s, size_t n)
{
    if (out_len + n > sizeof out_buf)
        flush_out();
    if (n > sizeof out_buf)
        n = sizeof out_buf;
    memcpy(out_buf + out_len, s, n);
    out_len += n;
    if (write_through)
        flush_out();
}

/* The name this process records to into buf (size len); false if too long.
 * *has_pid: the name names this pid already (%p, or the default name). */
static bool output_name(char *buf, size_t len, bool *has_pid)
{
    const char *tmpl = getenv("PA_TRACE_OUT");
    char *p = buf, *end = buf + len - 1;
    char pidstr[24];
    *put_u64(pidstr, (uint64_t)getpid()) = '\0';
    *has_pid = true;
    if (!tmpl || !*tmpl) {
        p = put_str(p, "trace.", end);
        p = put_str(p, pidstr, end);
        p = put_str(p, ".txt", end);
    } else if (strstr(tmpl, "%p")) {
        for (const char *s = tmpl; *s && p < end; s++) {
            if (s[0] == '%' && s[1] == 'p') {
                p = put_str(p, pidstr, end);
                s++;
            } else {
                *p++ = *s;
            }
        }
    } else {
        p = put_str(p, tmpl, end);
        *has_pid = false;
    }
    if (p >= end)
        return false;
    *p = '\0';
    return true;
}

/* Candidate k of the file names for this image into name: the base; then,
 * when the base does not name the pid, BASE.<pid>; then a count, .2, .3, ...
 * A forked child of a plain name starts at BASE.<pid>, its parent's being
 * BASE. */
static bool candidate_name(char *name, size_t len, const char *base, bool has_pid, unsigned k)
{
    char *p = name, *end = name + len - 1;
    p = put_str(p, base, end);
    if (!has_pid && k >= 1) {
        p = put_str(p, ".", end);
        p = put_u64(p, (uint64_t)getpid());
    }
    unsigned count = has_pid ? k + 1 : k;
    if (count >= 2) {
        p = put_str(p, ".", end);
        p = put_u64(p, count);
    }
    if (p >= end)
        return false;
    *p = '\0';
    return true;
}

/* The header: who recorded, the pid and the command line. */
static void write_header(void)
{
    char line[1200];
    char *const end = line + sizeof line - 2;
    char *p = line;
    p = put_str(p, "# pa-trace recording by libpa_trace_recorder.so, pid ", end);
    p = put_u64(p, (uint64_t)getpid());
    p = put_str(p, forked_child ? " (forked child)\n# cmdline:" : "\n# cmdline:", end);
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char args[1024];
        ssize_t n = read(fd, args, sizeof args);
        close(fd);
        for (ssize_t i = 0; i < n && p < end; i++) {
            unsigned char c = (unsigned char)args[i];
            if (i == 0 || args[i - 1] == '\0')
                *p++ = ' ';
            if (c != '\0' && p < end)
                *p++ = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        }
    }
    *p++ = '\n';
    if (!write_all(out_fd, line, (size_t)(p - line))) {
        complain("write failed; recording stops");
        out_state = OUT_DEAD;
    }
}

/* Opens a trace file that did not exist (O_EXCL), so that nothing is ever
 * overwritten: not an old trace, not the parent's, and not the trace of
 * the image this one replaced by exec (same pid, same base name), and
 * writes the header. False if recording is off. */
static bool open_output(void)
{
    char base[4096], name[4200];
    bool has_pid;
    if (!output_name(base, sizeof base, &has_pid)) {
        complain("PA_TRACE_OUT is too long; nothing is recorded");
        out_state = OUT_DEAD;
        return false;
    }
    int fd = -1;
    for (unsigned k = forked_child && !has_pid ? 1 : 0; fd < 0 && k < 100000; k++) {
        if (!candidate_name(name, sizeof name, base, has_pid, k))
            break;
        fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        complain("cannot create a new trace file; nothing is recorded");
        out_state = OUT_DEAD;
        return false;
    }
    out_fd = fd;
    out_state = OUT_OPEN;
    write_header();
    return out_state == OUT_OPEN;
}

/* true if lines can be appended now. Before the constructor has run (ld.so
 * may allocate before libc is initialised) they wait in the buffer. */
static bool output_ready(void)
{
    if (out_state == OUT_OPEN)
        return true;
    if (out_state == OUT_DEAD)
        return false;
    return started ? open_output() : true;
}

/* One op line: the letter and up to three numbers. */
static void emit(char kind, int nargs, uint64_t a0, uint64_t a1, uint64_t a2)
{
    if (!output_ready())
        return;
    char line[4 + 3 * 21];
    char *p = line;
    uint64_t args[3] = {a0, a1, a2};
    *p++ = kind;
    for (int i = 0; i < nargs; i++) {
        *p++ = ' ';
        p = put_u64(p, args[i]);
    }
    *p++ = '\n';
    append(line, (size_t)(p - line));
}

/* A fresh ID for a new block (0 for NULL). If the address is already in the
 * table, the block it named was freed in a way the recorder did not see; the
 * old ID is left live in the trace (a leak there) and the address moves on. */
static uint64_t track(void *p)
{
    if (!p)
        return 0;
    uint64_t id = next_id++;
    if (pa_u64map_put(&table, (uint64_t)(uintptr_t)p, id, NULL) < 0) {
        complain("no memory for the pointer table; recording stops");
        flush_out();
        out_state = OUT_DEAD;
    }
    return id;
}

static void enter(void)
{
    pthread_mutex_lock(&lock);
    in_hook = true;
}

static void leave(void)
{
    in_hook = false;
    pthread_mutex_unlock(&lock);
}

/* Whether this call is to be recorded (out_state is checked under the lock). */
static bool recording(void) { return !in_hook; }

/* m, c and a: a call that returned p. */
static void record_new(char kind, void *p, uint64_t x, uint64_t size)
{
    int saved = errno;
    enter();
    if (out_state != OUT_DEAD) {
        uint64_t id = track(p);
        if (kind == 'm')
            emit('m', 2, id, size, 0);
        else
            emit(kind, 3, id, x, size);
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
    if (bootstrapping())
        return boot_alloc(size, 16);
    void *p = real.malloc(size);
    if (recording())
        record_new('m', p, 0, size);
    return p;
}

EXPORT void *calloc(size_t n, size_t size)
{
    if (bootstrapping()) {
        if (size != 0 && n > SIZE_MAX / size) {
            errno = ENOMEM;
            return NULL;
        }
        return boot_alloc(n * size, 16);
    }
    void *p = real.calloc(n, size);
    if (recording())
        record_new('c', p, n, size);
    return p;
}

EXPORT void free(void *p)
{
    if (p && is_boot(p))
        return;
    if (bootstrapping())
        return; /* only boot blocks exist yet */
    if (recording()) {
        int saved = errno;
        enter();
        uint64_t id = 0;
        if (!p || pa_u64map_remove(&table, (uint64_t)(uintptr_t)p, &id))
            emit('f', 1, id, 0, 0);
        leave();
        errno = saved;
    }
    if (p)
        real.free(p);
}

EXPORT void *realloc(void *old, size_t size)
{
    if (bootstrapping()) {
        void *p = boot_alloc(size, 16);
        if (p && old)
            memcpy(p, old, boot_size(old) < size ? boot_size(old) : size);
        return p;
    }
    if (old && is_boot(old)) {
        void *p = malloc(size);
        if (p)
            memcpy(p, old, boot_size(old) < size ? boot_size(old) : size);
        return p;
    }
    if (!recording())
        return real.realloc(old, size);

    /* The lock is held across the real call: once old is released another
     * thread may be handed the same address, and its record must come after
     * this one. */
    enter();
    void *p = real.realloc(old, size);
    int saved = errno;
    uint64_t old_id = 0;
    bool known = old && pa_u64map_remove(&table, (uint64_t)(uintptr_t)old, &old_id);
    if (out_state == OUT_DEAD) {
        /* nothing more is written */
    } else if (!old) {
        uint64_t id = track(p);
        emit('r', 3, 0, id, size);
    } else if (!known) {
        if (p)
            emit('m', 2, track(p), size, 0);
    } else if (p) {
        uint64_t id = track(p);
        emit('r', 3, old_id, id, size);
    } else {
        /* NULL: with size 0 glibc freed old; otherwise old is still there. */
        if (size != 0 && pa_u64map_put(&table, (uint64_t)(uintptr_t)old, old_id, NULL) < 0)
            out_state = OUT_DEAD;
        emit('r', 3, old_id, 0, size);
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
    if (bootstrapping()) {
        void *p = boot_alloc(size, align);
        if (!p)
            return errno;
        *out = p;
        return 0;
    }
    int rc = real.posix_memalign(out, align, size);
    if (recording() && is_pow2(align) && (rc == 0 || rc == ENOMEM))
        record_new('a', rc == 0 ? *out : NULL, align, size);
    return rc;
}

/* memalign and aligned_alloc. */
static void *aligned_common(bool c11, size_t align, size_t size)
{
    if (bootstrapping())
        return boot_alloc(size, pow2_at_least(align));
    void *p = c11 && real.aligned_alloc ? real.aligned_alloc(align, size) : real.memalign(align, size);
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
        want = size + page_size - 1 < size ? size : (size + page_size - 1) & ~(page_size - 1);
        if (want == 0)
            want = page_size;
    }
    if (bootstrapping())
        return boot_alloc(want, page_size);
    void *(*fn)(size_t) = whole ? real.pvalloc : real.valloc;
    void *p = fn ? fn(size) : real.memalign(page_size, want);
    if (recording())
        record_new('a', p, page_size, want);
    return p;
}

EXPORT void *valloc(size_t size) { return page_aligned(false, size); }
EXPORT void *pvalloc(size_t size) { return page_aligned(true, size); }

EXPORT size_t malloc_usable_size(void *p)
{
    if (p && is_boot(p))
        return boot_size(p);
    if (bootstrapping() || !p)
        return 0;
    return real.malloc_usable_size ? real.malloc_usable_size(p) : 0;
}

/* ---- exec: the records so far go out before the image is replaced ------ */

/* The new image loads the recorder afresh (LD_PRELOAD is inherited) and
 * opens a file of its own (open_output); a failed exec goes on recording. */
static void flush_before_exec(void)
{
    (void)bootstrapping();
    pthread_mutex_lock(&lock);
    flush_out();
    pthread_mutex_unlock(&lock);
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    flush_before_exec();
    return real.execve(path, argv, envp);
}

EXPORT int execv(const char *path, char *const argv[])
{
    flush_before_exec();
    return real.execv(path, argv);
}

EXPORT int execvp(const char *file, char *const argv[])
{
    flush_before_exec();
    return real.execvp(file, argv);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    flush_before_exec();
    return real.execvpe(file, argv, envp);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    flush_before_exec();
    return real.fexecve(fd, argv, envp);
}

/* execl, execle, execlp: glibc's reach execve without the PLT, so they are
 * rebuilt here on the vector forms above. The argument vector lives on mmap
 * (the recorder never calls malloc for itself). */
enum exec_form { FORM_PATH, FORM_ENV, FORM_SEARCH };

static int exec_list(enum exec_form form, const char *path, const char *arg0, va_list ap)
{
    va_list count;
    va_copy(count, ap);
    size_t n = 0; /* arguments before the terminating NULL, arg0 included */
    if (arg0)
        while (n++, va_arg(count, char *) != NULL)
            ;
    va_end(count);
    size_t bytes = (n + 1) * sizeof(char *);
    char **argv = map_alloc(bytes);
    if (!argv) {
        errno = ENOMEM;
        return -1;
    }
    argv[0] = (char *)arg0;
    for (size_t i = 1; i <= n; i++)
        argv[i] = va_arg(ap, char *); /* argv[n] is the NULL */
    char *const *envp = form == FORM_ENV ? va_arg(ap, char *const *) : NULL;
    int rc = form == FORM_ENV ? execve(path, argv, envp) : form == FORM_SEARCH ? execvp(path, argv) : execv(path, argv);
    int saved = errno;
    map_release(argv, bytes);
    errno = saved;
    return rc;
}

#define EXEC_LIST(name, form)                              \
    EXPORT int name(const char *path, const char *arg0, ...) \
    {                                                        \
        va_list ap;                                          \
        va_start(ap, arg0);                                  \
        int rc = exec_list(form, path, arg0, ap);            \
        va_end(ap);                                          \
        return rc;                                           \
    }

EXEC_LIST(execl, FORM_PATH)
EXEC_LIST(execle, FORM_ENV)
EXEC_LIST(execlp, FORM_SEARCH)

/* ---- process life ------------------------------------------------------ */

static void before_fork(void) { pthread_mutex_lock(&lock); }
static void after_fork_parent(void) { pthread_mutex_unlock(&lock); }

static void after_fork_child(void)
{
    /* The unflushed lines are the parent's to write. */
    out_len = 0;
    if (out_fd >= 0)
        close(out_fd);
    out_fd = -1;
    if (out_state == OUT_OPEN)
        out_state = OUT_CLOSED;
    forked_child = true;
    pa_u64map_clear(&table);
    next_id = 1;
    pthread_mutex_unlock(&lock);
}

/* _exit and _Exit: flush what this process recorded, unless the lock is
 * held (an _exit from a signal handler that interrupted the recorder), then
 * end the process as glibc does. */
static _Noreturn void flush_and_exit(int status)
{
    if (pthread_mutex_trylock(&lock) == 0) {
        flush_out();
        pthread_mutex_unlock(&lock);
    }
    for (;;)
        syscall(SYS_exit_group, status);
}

EXPORT void _exit(int status) { flush_and_exit(status); }
EXPORT void _Exit(int status) { flush_and_exit(status); }

__attribute__((constructor)) static void recorder_start(void)
{
    (void)bootstrapping();
    in_hook = true;
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
    in_hook = false;
    pthread_mutex_lock(&lock);
    started = true;
    pthread_mutex_unlock(&lock);
}

__attribute__((destructor)) static void recorder_stop(void)
{
    pthread_mutex_lock(&lock);
    flush_out();
    write_through = true;
    pthread_mutex_unlock(&lock);
}
