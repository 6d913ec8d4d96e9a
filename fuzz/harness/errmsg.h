/* One-line error messages into a caller's buffer. */
#ifndef PA_FUZZ_ERRMSG_H
#define PA_FUZZ_ERRMSG_H

#include <stddef.h>

/* Formats into err (if any room) and returns -1, for "return pa_errmsg(...)". */
int pa_errmsg(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
