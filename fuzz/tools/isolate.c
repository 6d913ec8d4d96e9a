/* Child-process runs of a target. */
#define _POSIX_C_SOURCE 200809L
#include "isolate.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *find_line(const char *out, const char *key) {
    const char *p = strstr(out, key);
    return p ? p + strlen(key) : NULL;
}

static void copy_token(char *dst, size_t dst_len, const char *src, const char *stops) {
    size_t n = strcspn(src, stops);
    if (n >= dst_len)
        n = dst_len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void pa_signature_of_output(const char *out, int status, char *sig, size_t sig_len) {
    const char *p;
    char a[96], b[96];
    if ((p = find_line(out, "signature: "))) {
        copy_token(sig, sig_len, p, "\n");
    } else if ((p = find_line(out, "ERROR: AddressSanitizer: "))) {
        copy_token(a, sizeof a, p, " \n");
        /* the first frame outside the sanitizer runtime names the place */
        const char *f = strstr(p, "#0 ");
        b[0] = '\0';
        while (f) {
            const char *in = strstr(f, " in ");
            const char *eol = strchr(f, '\n');
            if (in && (!eol || in < eol)) {
                copy_token(b, sizeof b, in + 4, " \n");
                if (strncmp(b, "__asan", 6) && strncmp(b, "__interceptor", 13) &&
                    strncmp(b, "__sanitizer", 11) && strcmp(b, "abort") && strcmp(b, "raise") &&
                    strncmp(b, "__GI_", 5) && strcmp(b, "free") && strcmp(b, "malloc") &&
                    strcmp(b, "memcpy") && strcmp(b, "memset") && strcmp(b, "memmove"))
                    break;
            }
            f = eol ? strstr(eol, "    #") : NULL;
            if (f)
                f += 4;
        }
        snprintf(sig, sig_len, "ASAN:%s@%s", a, b[0] ? b : "?");
    } else if ((p = strstr(out, ": runtime error: "))) {
        const char *start = p;
        while (start > out && start[-1] != '\n')
            start--;
        copy_token(a, sizeof a, start, ": \n");
        const char *file = strrchr(a, '/');
        snprintf(sig, sig_len, "UBSAN@%s", file ? file + 1 : a);
        /* keep the line number too */
        const char *colon = start + strlen(a);
        if (*colon == ':') {
            copy_token(b, sizeof b, colon + 1, ":\n");
            size_t used = strlen(sig);
            snprintf(sig + used, sig_len - used, ":%s", b);
        }
    } else if ((p = find_line(out, "ERROR: LeakSanitizer: "))) {
        snprintf(sig, sig_len, "LEAK");
    } else if (WIFSIGNALED(status)) {
        snprintf(sig, sig_len, WTERMSIG(status) == SIGALRM ? "TIMEOUT" : "SIGNAL:%d", WTERMSIG(status));
    } else {
        snprintf(sig, sig_len, "EXIT:%d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
}

/* Reads the child's output to its end, reaps it and judges it; its wait
 * status. */
static int collect(pid_t pid, int fd, pa_isolated *r) {
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (buf && n + 1024 > cap) {
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
            } else {
                buf = grown;
                cap *= 2;
            }
        }
        char sink[1024];
        ssize_t got = read(fd, buf ? buf + n : sink, buf ? cap - n - 1 : sizeof sink);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if (buf)
            n += (size_t)got;
    }
    close(fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (buf)
        buf[n] = '\0';
    r->output = buf;
    r->failed = !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (r->failed)
        pa_signature_of_output(buf ? buf : "", status, r->signature, sizeof r->signature);
    return status;
}

/* fork with the child's stderr (and stdout, if asked) on a pipe and its
 * alarm set: the pid (0 in the child), or -1. r starts empty. */
static pid_t start_child(int *read_fd, int with_stdout, unsigned timeout_s, pa_isolated *r) {
    memset(r, 0, sizeof *r);
    int fds[2];
    if (pipe(fds))
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        if (with_stdout)
            dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[1]);
        if (timeout_s)
            alarm(timeout_s); /* kept across exec */
        return 0;
    }
    close(fds[1]);
    *read_fd = fds[0];
    return pid;
}

int pa_run_isolated(pa_fuzz_fn fn, const uint8_t *data, size_t len, int full,
                    unsigned timeout_s, pa_isolated *r) {
    int fd;
    pid_t pid = start_child(&fd, 0, timeout_s, r);
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (full)
            setenv("PA_FUZZ_FULL_CHECKS", "1", 1);
        fn(data, len);
        _exit(0);
    }
    collect(pid, fd, r);
    return 0;
}

/* The shell's status for a program it cannot run. */
#define CANNOT_EXEC 127

int pa_run_command_isolated(const char *program, const char *path, unsigned timeout_s, pa_isolated *r) {
    int fd;
    pid_t pid = start_child(&fd, 1, timeout_s, r);
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execlp(program, program, path, (char *)NULL);
        fprintf(stderr, "cannot run %s: %s\n", program, strerror(errno));
        _exit(CANNOT_EXEC);
    }
    int status = collect(pid, fd, r);
    if (WIFEXITED(status) && WEXITSTATUS(status) == CANNOT_EXEC) {
        fprintf(stderr, "%s", r->output ? r->output : "");
        pa_isolated_free(r);
        return -1;
    }
    return 0;
}

void pa_isolated_free(pa_isolated *r) {
    free(r->output);
    r->output = NULL;
}
