/* The trace file (recorder_output.h). */
#define _GNU_SOURCE
#include "recorder_output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OUT_CLOSED, OUT_OPEN, OUT_DEAD };
static int out_state = OUT_CLOSED;
static int out_fd = -1;
static bool forked_child;  /* this process is a fork of a recording one */
static bool write_through; /* after the exit destructor: no buffering */
static bool started;       /* the constructor ran: libc (getenv) is usable */
static char out_buf[1 << 16];
static size_t out_len;

void rec_complain(const char *what)
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

void rec_flush(void)
{
    if (out_len == 0)
        return;
    if (out_state == OUT_CLOSED) {
        if (!started) {
            rec_complain("too many allocations before start-up; nothing is recorded");
            out_state = OUT_DEAD;
        } else {
            (void)open_output();
        }
    }
    if (out_state == OUT_OPEN && !write_all(out_fd, out_buf, out_len)) {
        rec_complain("write failed; recording stops");
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
        rec_flush();
    if (n > sizeof out_buf)
        n = sizeof out_buf;
    memcpy(out_buf + out_len, s, n);
    out_len += n;
    if (write_through)
        rec_flush();
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
        rec_complain("write failed; recording stops");
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
        rec_complain("PA_TRACE_OUT is too long; nothing is recorded");
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
        rec_complain("cannot create a new trace file; nothing is recorded");
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
void rec_emit(char kind, int nargs, uint64_t a0, uint64_t a1, uint64_t a2)
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

bool rec_output_dead(void) { return out_state == OUT_DEAD; }
void rec_output_stop(void) { out_state = OUT_DEAD; }
void rec_output_started(void) { started = true; }
void rec_output_write_through(void) { write_through = true; }

void rec_output_forked(void)
{
    out_len = 0;
    if (out_fd >= 0)
        close(out_fd);
    out_fd = -1;
    if (out_state == OUT_OPEN)
        out_state = OUT_CLOSED;
    forked_child = true;
}
