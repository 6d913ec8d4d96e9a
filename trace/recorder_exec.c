/* The exec family: the records so far go out before the image is replaced.
 * The new image loads the recorder afresh (LD_PRELOAD is inherited) and
 * opens a file of its own; a failed exec goes on recording. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#include "recorder.h"
#include "recorder_boot.h"
#include "recorder_output.h"

static void flush_before_exec(void)
{
    (void)rec_bootstrapping();
    pthread_mutex_lock(&rec_lock);
    rec_flush();
    pthread_mutex_unlock(&rec_lock);
}

EXPORT int execve(const char *path, char *const argv[], char *const envp[])
{
    flush_before_exec();
    return rec_real.execve(path, argv, envp);
}

EXPORT int execv(const char *path, char *const argv[])
{
    flush_before_exec();
    return rec_real.execv(path, argv);
}

EXPORT int execvp(const char *file, char *const argv[])
{
    flush_before_exec();
    return rec_real.execvp(file, argv);
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
    flush_before_exec();
    return rec_real.execvpe(file, argv, envp);
}

EXPORT int fexecve(int fd, char *const argv[], char *const envp[])
{
    flush_before_exec();
    return rec_real.fexecve(fd, argv, envp);
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
    char **argv = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (argv == MAP_FAILED) {
        errno = ENOMEM;
        return -1;
    }
    argv[0] = (char *)arg0;
    for (size_t i = 1; i <= n; i++)
        argv[i] = va_arg(ap, char *); /* argv[n] is the NULL */
    char *const *envp = form == FORM_ENV ? va_arg(ap, char *const *) : NULL;
    int rc = form == FORM_ENV ? execve(path, argv, envp) : form == FORM_SEARCH ? execvp(path, argv) : execv(path, argv);
    int saved = errno;
    munmap(argv, bytes);
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

