/* Raising a misuse report through the heap's handler. */
#ifndef POOLALLOC_MISUSE_REPORT_H
#define POOLALLOC_MISUSE_REPORT_H

#include "heap_types.h"
#include "poolalloc/misuse.h"

/* Builds the report, calls the handler (default: print and abort) and sets
 * errno to EINVAL if the handler returns. */
void pa_misuse_raise(const pa_heap *h, pa_misuse_kind kind, const char *operation, const void *p);
/* The same with a message and a block dump composed by the caller. */
void pa_misuse_deliver(const pa_heap *h, pa_misuse_kind kind, const char *operation, const void *p,
                       const char *message, const char *dump);

#endif
