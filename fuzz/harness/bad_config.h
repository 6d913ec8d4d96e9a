/* The misuse op bad_config: one field of a legal configuration broken, so
 * that pa_config_validate and pa_heap_create must refuse it. */
#ifndef PA_FUZZ_BAD_CONFIG_H
#define PA_FUZZ_BAD_CONFIG_H

#include "poolalloc/config.h"

/* One rule of pa_config_validate each; the op's index names rule idx mod
 * this count. */
#define PA_BAD_CONFIG_RULES 21

/* The rule's name in the text form (misuse bad_config NAME). */
const char *pa_bad_config_name(unsigned rule);
/* Breaks c, a legal configuration, against rule; returns the text the
 * validator's message must hold (the field it names). */
const char *pa_bad_config_apply(unsigned rule, pa_config *c);

#endif
