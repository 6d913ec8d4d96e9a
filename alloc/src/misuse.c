#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "misuse_report.h"

static void print_and_abort(void *ctx, const pa_misuse *report) {
    (void)ctx;
    fprintf(stderr, "poolalloc: %s\n%s", report->message, report->dump);
    abort();
}

void pa_misuse_deliver(const pa_heap *h, pa_misuse_kind kind, const char *operation, const void *p,
                       const char *message, const char *dump) {
    pa_misuse report = {kind, operation, p, h, message, dump};
    pa_misuse_handler handler = h->config.on_misuse ? h->config.on_misuse : print_and_abort;
    handler(h->config.misuse_ctx, &report);
    errno = EINVAL;
}

void pa_misuse_raise(const pa_heap *h, pa_misuse_kind kind, const char *operation, const void *p) {
    char message[256];
    switch (kind) {
    default:
    case PA_MISUSE_FOREIGN_POINTER:
        snprintf(message, sizeof message, "%s(): pointer %p was not allocated by heap %p",
                 operation, p, (const void *)h);
        break;
    case PA_MISUSE_NOT_LIVE:
        snprintf(message, sizeof message,
                 "%s(): pointer %p lies in a pool of heap %p that holds no live block (double free or wild pointer)",
                 operation, p, (const void *)h);
        break;
    }
    pa_misuse_deliver(h, kind, operation, p, message, "");
}
