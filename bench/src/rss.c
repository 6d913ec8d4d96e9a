#define _POSIX_C_SOURCE 200809L

#include "rss.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int bench_rss_reset_peak(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, "5", 1);
    close(fd);
    return n == 1 ? 0 : -1;
}

static long status_field_kib(const char *field)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0)
        return -1;
    size_t used = 0;
    for (;;) {
        ssize_t n = read(fd, buf + used, sizeof buf - 1 - used);
        if (n <= 0)
            break;
        used += (size_t)n;
        if (used == sizeof buf - 1)
            break;
    }
    close(fd);
    buf[used] = '\0';

    size_t flen = strlen(field);
    for (const char *line = buf; line != NULL && *line != '\0';) {
        if (strncmp(line, field, flen) == 0 && line[flen] == ':')
            return strtol(line + flen + 1, NULL, 10);
        line = strchr(line, '\n');
        if (line != NULL)
            line++;
    }
    return -1;
}

long bench_rss_current_kib(void) { return status_field_kib("VmRSS"); }

long bench_rss_peak_kib(void) { return status_field_kib("VmHWM"); }
