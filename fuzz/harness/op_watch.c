/* The op watchdog (op_watch.h). The running thread publishes what it runs
 * (relaxed stores, then a release of the serial that counts marks); the
 * watchdog thread wakes every tick and, when the serial has not moved for
 * the limit with an op under way, formats and writes the report. A crash
 * handler cannot format (snprintf is not async-signal-safe): it posts the
 * semaphore the watchdog waits on, waits a bounded time for the report,
 * then hands the signal on. */
#define _XOPEN_SOURCE 700 /* SA_ONSTACK */
#include "op_watch.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "locks_held.h"

#define TICK_NS 250000000L
#define CRASH_WAIT_MS 2000

static _Atomic unsigned long serial;
static atomic_int active; /* an op or the teardown under way */
static _Atomic size_t cur_index, cur_nops;
static _Atomic(const pa_op *) cur_op; /* NULL: the teardown */
static _Atomic(const pa_config *) cur_cfg;
static _Atomic(const char *) cur_input;

static unsigned limit_seconds;
static sem_t wake;
static atomic_int crash_signal, crash_reported;
static struct sigaction previous_segv, previous_bus;

static void mark(size_t index, size_t nops, const pa_op *op, const pa_config *cfg, int run) {
    atomic_store_explicit(&cur_index, index, memory_order_relaxed);
    atomic_store_explicit(&cur_nops, nops, memory_order_relaxed);
    atomic_store_explicit(&cur_op, op, memory_order_relaxed);
    atomic_store_explicit(&cur_cfg, cfg, memory_order_relaxed);
    atomic_store_explicit(&active, run, memory_order_relaxed);
    /* one writer: a load and a store, no locked instruction */
    atomic_store_explicit(&serial, atomic_load_explicit(&serial, memory_order_relaxed) + 1, memory_order_release);
}

void pa_op_watch_op(size_t index, size_t nops, const pa_op *op, const pa_config *cfg) {
    mark(index, nops, op, cfg, 1);
}

void pa_op_watch_teardown(size_t nops) { mark(nops, nops, NULL, NULL, 1); }

void pa_op_watch_idle(void) { mark(0, 0, NULL, NULL, 0); }

void pa_op_watch_input(const char *name) { atomic_store_explicit(&cur_input, name, memory_order_relaxed); }

static void write_all(const char *s, size_t n) {
    while (n) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* The report of what the serial s marks, in the form of the executor's
 * (=== header, at, detail, signature); 0 if the run moved on meanwhile. */
static int report(unsigned long s, const char *kind, const char *what) {
    static char buf[2048];
    char line[256], locks[64];
    size_t index = atomic_load_explicit(&cur_index, memory_order_relaxed);
    size_t nops = atomic_load_explicit(&cur_nops, memory_order_relaxed);
    const pa_op *op = atomic_load_explicit(&cur_op, memory_order_relaxed);
    const pa_config *cfg = atomic_load_explicit(&cur_cfg, memory_order_relaxed);
    const char *input = atomic_load_explicit(&cur_input, memory_order_relaxed);
    if (op)
        pa_op_format(line, sizeof line, op, cfg);
    if (atomic_load_explicit(&serial, memory_order_acquire) != s)
        return 0;
    int n = op ? snprintf(buf, sizeof buf, "=== poolalloc fuzz failure: %s ===\nat op %zu of %zu: %s\n", kind, index,
                          nops, line)
               : snprintf(buf, sizeof buf, "=== poolalloc fuzz failure: %s ===\nat teardown (after op %zu of %zu)\n",
                          kind, nops ? nops - 1 : 0, nops);
    pa_locks_held(locks, sizeof locks);
    n += snprintf(buf + n, sizeof buf - (size_t)n, "detail: %s; the allocator's locks held: %s\ninput: %s\n"
                  "signature: %s@%s\n", what, *locks ? locks : "none",
                  input ? input : "the engine's current input", kind, op ? pa_op_name(op->kind) : "teardown");
    write_all(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    return 1;
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Waits a tick for the crash handler's post; 1 if it came. */
static int tick(void) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += TICK_NS;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (sem_timedwait(&wake, &until))
        if (errno != EINTR)
            return 0;
    return 1;
}

static void *watch(void *unused) {
    (void)unused;
    unsigned long seen = atomic_load_explicit(&serial, memory_order_acquire);
    double since = now_seconds();
    for (;;) {
        int crashed = tick();
        unsigned long s = atomic_load_explicit(&serial, memory_order_acquire);
        int running = atomic_load_explicit(&active, memory_order_relaxed);
        if (crashed) {
            char what[96];
            int sig = atomic_load(&crash_signal);
            snprintf(what, sizeof what, "%s while the op ran", sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
            if (running)
                report(s, "OP_CRASH", what);
            atomic_store(&crash_reported, 1);
            continue;
        }
        if (s != seen) {
            seen = s;
            since = now_seconds();
            continue;
        }
        if (running && limit_seconds && now_seconds() - since >= limit_seconds) {
            char what[128];
            snprintf(what, sizeof what, "it has not finished after %u s (PA_OP_TIMEOUT)", limit_seconds);
            if (report(s, "OP_HANG", what))
                abort();
        }
    }
    return NULL;
}

/* Async-signal-safe: a post, bounded sleeps, then the handler before. */
static void on_crash(int sig, siginfo_t *info, void *uc) {
    int saved = errno;
    if (atomic_load_explicit(&active, memory_order_relaxed) && !atomic_exchange(&crash_signal, sig)) {
        sem_post(&wake);
        struct timespec ms = {0, 1000000L};
        for (int i = 0; i < CRASH_WAIT_MS && !atomic_load(&crash_reported); i++)
            nanosleep(&ms, NULL);
    }
    errno = saved;
    const struct sigaction *prev = sig == SIGBUS ? &previous_bus : &previous_segv;
    if ((prev->sa_flags & SA_SIGINFO) && prev->sa_sigaction) {
        prev->sa_sigaction(sig, info, uc);
        return;
    }
    if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
        prev->sa_handler(sig);
        return;
    }
    /* the default action: the fault happens again on return and kills */
    signal(sig, SIG_DFL);
}

static int install_crash_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGSEGV, &sa, &previous_segv) || sigaction(SIGBUS, &sa, &previous_bus) ? -1 : 0;
}

int pa_op_watch_start(unsigned seconds) {
    static int started;
    if (started || !seconds)
        return 0;
    started = 1;
    limit_seconds = seconds;
    if (sem_init(&wake, 0, 0)) {
        perror("op watchdog: sem_init");
        return -1;
    }
    /* the watchdog takes no signal meant for the process */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    int rc = pthread_create(&t, NULL, watch, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc) {
        fprintf(stderr, "op watchdog: cannot start its thread: %s\n", strerror(rc));
        return -1;
    }
    pthread_detach(t);
    if (install_crash_handler()) {
        perror("op watchdog: sigaction");
        return -1;
    }
    return 0;
}

int pa_op_watch_start_env(void) {
    const char *v = getenv("PA_OP_TIMEOUT");
    if (!v || !*v)
        return pa_op_watch_start(PA_OP_WATCH_SECONDS);
    char *end;
    errno = 0;
    unsigned long s = strtoul(v, &end, 10);
    if (*end || errno || v[0] == '-' || s > 86400) {
        fprintf(stderr, "PA_OP_TIMEOUT=%s: expected whole seconds, 0 (off) to 86400\n", v);
        return -1;
    }
    return pa_op_watch_start((unsigned)s);
}
