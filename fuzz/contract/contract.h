/* Target "contract": the op language run against the C library's malloc API
 * of whatever allocator the process has (glibc by default; jemalloc,
 * mimalloc, tcmalloc or any other through LD_PRELOAD or linking), checking
 * what the C standard, POSIX and the Linux man pages (malloc(3),
 * posix_memalign(3)) promise. README.md beside this file lists the rules. */
#ifndef PA_FUZZ_CONTRACT_H
#define PA_FUZZ_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "ops.h"

typedef struct pa_contract_failure {
    char kind[64];     /* ALIGNMENT, USABLE_TOO_SMALL, OVERLAP, ... */
    char place[32];    /* the call: malloc, posix_memalign, ... or "probe" */
    size_t op_index;   /* SIZE_MAX: the probes before the ops */
    char detail[512];
} pa_contract_failure;

/* Runs the impossible-request probes, then ops, then frees what is left.
 * 0: every promise held; -1: the first broken one in f. */
int pa_contract_run(const pa_op *ops, size_t nops, pa_contract_failure *f);
/* The report fuzz targets print: kind, place, op, detail, the allocator the
 * malloc symbol resolves to, and "signature: KIND@place". */
void pa_contract_failure_print(const pa_contract_failure *f);

/* The engine entry point: decode, run, abort with the report on a failure. */
void pa_fuzz_contract_one(const uint8_t *data, size_t size);

#endif
