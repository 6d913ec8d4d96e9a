/* A trace as the replay workload reads it: the text trace (trace, read
 * with pa_trace_read by bench_trace_pack) turned into fixed-size records, so
 * a replay loads it with one read into harness memory and parses nothing.
 * Layout: a bench_packed_header, then nops bench_packed_op records, in the
 * byte order of the machine that packed it. */
#ifndef BENCH_PACKED_TRACE_H
#define BENCH_PACKED_TRACE_H

#include <stdint.h>

#define BENCH_PACKED_MAGIC "PATRACE1"

typedef struct bench_packed_header {
    char magic[8];
    uint64_t nops;
    uint64_t max_id;
    uint64_t peak_live_bytes; /* most bytes requested and live at once */
} bench_packed_header;

typedef struct bench_packed_op {
    uint64_t size;
    uint32_t id;     /* result (m c a), freed (f), old (r); 0 is NULL */
    uint32_t new_id; /* r: the result */
    uint32_t extra;  /* c: element count (size is the element size); a: alignment */
    uint32_t kind;   /* 'm' 'c' 'r' 'f' 'a', as in trace_format.h */
} bench_packed_op;

#endif
