/* A fuzz input of the heap targets: configuration plus ops, from bytes (what
 * the engines feed) or from the text form (what people write). */
#ifndef PA_FUZZ_INPUT_H
#define PA_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ops.h"
#include "poolalloc/config.h"

typedef enum pa_target {
    PA_TARGET_DEFAULT = 0, /* the whole input is ops; default configuration */
    PA_TARGET_CONFIG,      /* PA_CONFIG_BYTES choose the configuration, then ops */
    PA_TARGET_TRACE_PARSER,/* the input is trace text (trace/) */
    PA_TARGET_FAULT,       /* ops with fault ops; small pools and arenas, nothing kept committed */
    PA_TARGET_MISUSE,      /* ops with misuse ops; the debug layer with a quarantine */
    PA_TARGET_INTERLEAVE,  /* ops with thread ops; the default API's thread heaps (exec_threads.c) */
    PA_TARGET_COUNT
} pa_target;

/* Does t read ops (every target but trace_parser)? */
int pa_target_is_heap(pa_target t);
/* The version-2 ops t decodes (PA_OPS_FAULTS, PA_OPS_MISUSES, PA_OPS_THREADS). */
unsigned pa_target_features(pa_target t);
/* The configuration of a target without a prefix. */
pa_config pa_target_config(pa_target t);

typedef struct pa_input {
    pa_config cfg;
    pa_op *ops;
    size_t nops;
} pa_input;

const char *pa_target_name(pa_target t);
/* -1 if unknown. */
int pa_target_from_name(const char *name);

void pa_input_decode(pa_target t, const uint8_t *data, size_t len, pa_input *in);
/* Canonical bytes (malloc'd). 0, or -1 with a reason. */
int pa_input_encode(pa_target t, const pa_input *in, uint8_t **buf, size_t *len, char *err, size_t err_len);
/* The text form (ops the target does not decode are refused): for the config target a first "config ..." line (default
 * configuration when absent), then ops. 0, or -1 with "LINE: reason". */
int pa_input_parse_text(pa_target t, const char *text, pa_input *in, char *err, size_t err_len);
void pa_input_print(FILE *out, pa_target t, const pa_input *in, int numbered);
void pa_input_free(pa_input *in);

/* An input file of target t in either form (text: 1, bytes: 0, by name: -1)
 * as the bytes the target runs (text is encoded). 0, or -1 with a reason. */
int pa_input_load(pa_target t, const char *path, int text, uint8_t **data, size_t *len,
                  char *err, size_t err_len);

/* Whole file into memory (NUL appended, not counted). NULL on error. */
uint8_t *pa_read_file(const char *path, size_t *len);
/* Is this file the text form? By name: *.ops or *.txt. */
int pa_path_is_text(const char *path);

#endif
