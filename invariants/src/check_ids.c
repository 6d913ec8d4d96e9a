#include "check_ids.h"

#include "poolalloc/check.h"

static const char *const names[CHK_ID_COUNT] = {
#define CHK_NAME(name, text) #name,
    CHK_ID_LIST(CHK_NAME)
#undef CHK_NAME
};

static const char *const rules[CHK_ID_COUNT] = {
#define CHK_RULE(name, text) text,
    CHK_ID_LIST(CHK_RULE)
#undef CHK_RULE
};

const char *chk_id_name(chk_id id) { return (unsigned)id < CHK_ID_COUNT ? names[id] : "UNKNOWN"; }

const char *chk_id_invariant(chk_id id) { return (unsigned)id < CHK_ID_COUNT ? rules[id] : ""; }

size_t pa_check_invariant_count(void) { return CHK_ID_COUNT; }

const char *pa_check_invariant_id(size_t i) { return i < CHK_ID_COUNT ? names[i] : NULL; }

const char *pa_check_invariant_text(size_t i) { return i < CHK_ID_COUNT ? rules[i] : NULL; }
