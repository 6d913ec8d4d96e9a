/* The recorder's way to the real allocation functions (glibc's, found with
 * dlsym(RTLD_NEXT)), and the static arena that serves what dlsym itself
 * allocates while it looks them up. */
#ifndef PA_RECORDER_BOOT_H
#define PA_RECORDER_BOOT_H

#include <stdbool.h>
#include <stddef.h>

#define TLS_IE __attribute__((tls_model("initial-exec")))

typedef struct rec_real_functions {
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
} rec_real_functions;

/* Valid once rec_bootstrapping() has returned false. */
extern rec_real_functions rec_real;
extern size_t rec_page_size;

/* true: serve this call from the bootstrap arena (dlsym is running on this
 * thread); false: the real functions are ready (looked up on first use). */
bool rec_bootstrapping(void);

bool rec_is_boot(const void *p);
/* A zero-filled block of the arena, never reused (NULL, errno set, when the
 * arena is spent or align is not a power of two). */
void *rec_boot_alloc(size_t size, size_t align);
size_t rec_boot_size(const void *p);

#endif
