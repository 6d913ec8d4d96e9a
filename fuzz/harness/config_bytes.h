/* The fuzz_config target's prefix: PA_CONFIG_BYTES bytes choose a legal heap
 * configuration (docs/OP_LANGUAGE.md, "Configuration prefix"). */
#ifndef PA_FUZZ_CONFIG_BYTES_H
#define PA_FUZZ_CONFIG_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "poolalloc/config.h"

#define PA_CONFIG_BYTES 5

/* Always yields a configuration pa_config_validate accepts (missing bytes
 * read as 0). */
void pa_config_from_bytes(const uint8_t *data, size_t len, pa_config *cfg);
/* The canonical bytes for a legal cfg: 0, or -1 with a reason in err when
 * no prefix selects it. */
int pa_config_to_bytes(const pa_config *cfg, uint8_t out[PA_CONFIG_BYTES], char *err, size_t err_len);
/* "config align=16 threshold=4096 ..." without newline. */
int pa_config_format(char *out, size_t out_len, const pa_config *cfg);
/* Parse that line. 1: parsed; 0: not a config line; -1: error in err. */
int pa_config_parse(const char *line, pa_config *cfg, char *err, size_t err_len);

#endif
