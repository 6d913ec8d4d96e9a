/* The checked mode names the heap a violation is in. Run as
 * `checked_heaps orphan` or `checked_heaps shared`: a child process (env
 * POOLALLOC_CHECK=full:1, so every call runs the full checks) breaks one
 * heap on purpose, prints its address and makes one call; the parent reads
 * the child's stderr, echoes it, and exits 0 only if the child aborted with
 * the message naming that heap:
 * - orphan: a heap of an exited thread marked as held by a live thread
 *   (ORPHAN_ATTACHED), named "on the orphan list";
 * - shared: the shared heap's large-block count off by one
 *   (HEAP_LARGE_BLOCKS), named "the shared heap".
 * Built from the drop-in's checked.c and the static library, whose
 * internals it reaches to break the heap. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pthread.h>

#include "checked.h"
#include "heap_types.h"
#include "poolalloc/poolalloc.h"
#include "thread_heap.h"

static void *allocate_and_exit(void *arg) {
    (void)arg;
    pa_free(pa_malloc(48));
    return NULL;
}

static const char *break_orphan(void) {
    pthread_t t;
    if (pthread_create(&t, NULL, allocate_and_exit, NULL) || pthread_join(t, NULL))
        return NULL;
    pa_orphan_view v[1];
    if (pa_introspect_orphans(v, 1) != 1)
        return NULL;
    ((pa_heap *)v[0].heap)->attached = 1;
    fprintf(stderr, "broken heap: %p\n", (void *)v[0].heap);
    return "on the orphan list";
}

static const char *break_shared(void) {
    if (!pa_malloc(100000)) /* large: the shared heap's */
        return NULL;
    pa_heap *s = pa_shared_heap_lock();
    if (!s)
        return NULL;
    s->large.count++;
    pa_shared_heap_unlock();
    fprintf(stderr, "broken heap: %p\n", (void *)s);
    return "the shared heap";
}

static void child(const char *what) {
    if (!pa_checked()) /* reads POOLALLOC_CHECK, as the drop-in's first call does */
        _exit(3);
    pa_free(pa_malloc(16)); /* this thread's heap, before the break */
    const char *named = strcmp(what, "orphan") == 0 ? break_orphan() : break_shared();
    if (!named)
        _exit(2);
    void *p = pa_malloc(16);
    pa_checked_after(p, NULL);
    fprintf(stderr, "not caught\n");
    _exit(0);
}

int main(int argc, char **argv) {
    if (argc != 2 || (strcmp(argv[1], "orphan") && strcmp(argv[1], "shared"))) {
        fprintf(stderr, "usage: checked_heaps orphan|shared\n");
        return 2;
    }
    if (setenv("POOLALLOC_CHECK", "full:1", 1))
        return 1;
    int fd[2];
    if (pipe(fd))
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], STDERR_FILENO);
        close(fd[0]);
        child(argv[1]);
    }
    close(fd[1]);
    static char out[1 << 16];
    size_t n = 0;
    ssize_t got;
    while (n < sizeof out - 1 && (got = read(fd[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)got;
    int status = 0;
    waitpid(pid, &status, 0);
    fwrite(out, 1, n, stdout);
    const char *named = strcmp(argv[1], "orphan") == 0 ? "on the orphan list" : "the shared heap";
    void *heap = NULL;
    const char *at = strstr(out, "broken heap: ");
    if (!at || sscanf(at, "broken heap: %p", &heap) != 1) {
        puts("checked_heaps: the child broke no heap");
        return 1;
    }
    char expected[128];
    snprintf(expected, sizeof expected, "violation(s) in heap %p, %s", heap, named);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT || !strstr(out, expected)) {
        printf("checked_heaps: expected an abort with \"%s\"\n", expected);
        return 1;
    }
    printf("checked_heaps: aborted naming %s\n", expected);
    return 0;
}
