/* The program the recorder tests run under libpa_trace_recorder.so.
 *   recorder_victim basic    a fixed sequence of calls between two marker
 *                            blocks (sizes VICTIM_BEGIN and VICTIM_END)
 *   recorder_victim threads  4 threads of mixed malloc/realloc/free
 *   recorder_victim fork     the parent and a forked child each make a
 *                            marker block; the child exits through exit()
 * No stdio is used between the markers: it would allocate. Built with
 * -fno-builtin so that no call is folded away. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "recorder_victim.h"

static void *volatile sink;

static void marker(size_t size)
{
    sink = malloc(size);
    free(sink);
}

static int basic(void)
{
    volatile size_t huge = SIZE_MAX;
    marker(VICTIM_BEGIN);
    void *a = malloc(10);
    void *b = calloc(3, 8);
    a = realloc(a, 1000);
    free(b);
    void *c = NULL;
    if (posix_memalign(&c, 64, 100) != 0)
        return 1;
    void *d = aligned_alloc(128, 256);
    void *e = memalign(32, 40);
    void *g = valloc(10);
    free(NULL);
    void *h = realloc(NULL, 5);
    sink = malloc(huge);
    sink = realloc(h, 0);
    free(a);
    free(c);
    free(d);
    free(e);
    free(g);
    marker(VICTIM_END);
    return 0;
}

static void *churn(void *arg)
{
    uintptr_t seed = (uintptr_t)arg * 2654435761u + 1;
    void *slots[64] = {0};
    for (int i = 0; i < VICTIM_THREAD_ITERS; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        unsigned k = (unsigned)(seed >> 33) % 64;
        size_t size = (size_t)(seed >> 20) % 700 + 1;
        switch ((seed >> 50) % 3) {
        case 0:
            free(slots[k]);
            slots[k] = malloc(size);
            break;
        case 1:
            slots[k] = realloc(slots[k], size);
            break;
        default:
            free(slots[k]);
            slots[k] = NULL;
            break;
        }
    }
    for (int k = 0; k < 64; k++)
        free(slots[k]);
    return NULL;
}

static int threads(void)
{
    pthread_t t[VICTIM_THREADS];
    for (uintptr_t i = 0; i < VICTIM_THREADS; i++) {
        if (pthread_create(&t[i], NULL, churn, (void *)i) != 0)
            return 1;
    }
    for (int i = 0; i < VICTIM_THREADS; i++)
        pthread_join(t[i], NULL);
    return 0;
}

static int forking(void)
{
    void *kept = malloc(VICTIM_BEFORE_FORK);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        free(kept); /* inherited: the child's trace must not mention it */
        marker(VICTIM_CHILD);
        exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 1;
    marker(VICTIM_PARENT);
    free(kept);
    return 0;
}

/* "exec2": image 2 execs image 1 (execl), which execs image 0 (execvp);
 * each leaves a marker block unfreed and unflushed before its exec. */
static int exec_chain(char *self, int image)
{
    volatile char *kept = malloc(VICTIM_IMAGE + (unsigned)image);
    if (!kept)
        return 1;
    kept[0] = 1;
    if (image == 2) {
        execl(self, self, "exec1", (char *)NULL);
        return 1;
    }
    if (image == 1) {
        char *argv[] = {self, "exec0", NULL};
        execvp(self, argv);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    if (strcmp(argv[1], "basic") == 0)
        return basic();
    if (strcmp(argv[1], "threads") == 0)
        return threads();
    if (strcmp(argv[1], "fork") == 0)
        return forking();
    if (strncmp(argv[1], "exec", 4) == 0 && argv[1][4] >= '0' && argv[1][4] <= '2')
        return exec_chain(argv[0], argv[1][4] - '0');
    return 2;
}
