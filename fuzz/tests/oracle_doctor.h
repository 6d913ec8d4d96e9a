/* The oracle-rule tests' doctor (test_oracle_rules.c, test_oracle_policy.c):
 * through the executor's doctor hook (pa_exec_site) it changes one result
 * before its rule judges it, and the run must fail with the rule's exact
 * kind and message. */
#ifndef PA_FUZZ_TEST_ORACLE_DOCTOR_H
#define PA_FUZZ_TEST_ORACLE_DOCTOR_H

#include <stddef.h>

#include "executor.h"
#include "input.h"
#include "poolalloc/config.h"

/* How the doctor breaks the one result it is after. */
enum change {
    C_CACHE_HIT,          /* the cache reports one hit more than it had */
    C_CACHE_OVERFULL,     /* the cache reports one object parked past its capacity */
    C_USABLE_SHORT,       /* a block is one byte short of its request */
    C_USABLE_GROWN,       /* a block's usable size grew by one */
    C_USABLE_NONE,        /* a block has no usable bytes */
    C_ERRNO_EINVAL,       /* a huge call's errno is EINVAL */
    C_DEFAULT_LEAK,       /* the default heap holds 1000 small blocks more */
    C_TEXT_GONE,          /* the print failed */
    C_TEXT_NO_TOTAL,      /* a table without its Total row */
    C_TEXT_WRONG_TOTAL,   /* a table whose Total is 0 */
    C_JSON_BROKEN,        /* JSON that does not parse */
    C_JSON_NO_CLASSES,    /* JSON with an empty classes array */
    C_JSON_WRONG_FIGURE,  /* the JSON's bytes_total off in its first digit */
    C_KEPT_NO_ARENA,      /* free_all gave back the arena KEEP_ONE keeps */
    C_KEPT_ALLOWANCE,     /* the allowance of wholly free arenas is past empty_arenas_max */
    C_KEPT_HEAD_STUCK,    /* the quarantine's oldest slot did not move */
    C_POOLS_ONE_MORE,     /* an arena keeps one committed free pool more */
    C_FRESH_ZEROED,       /* a new or freed debug block's first byte is 0 */
    C_STATE_UNKNOWN,      /* a misuse report's dump calls its block "unknown state" */
    C_FLIPPED,            /* a yes/no answer turned round */
    C_SCAN_DAMAGED,       /* the debug scan finds one damaged block */
    C_SCAN_CLEAN,         /* the debug scan finds no damaged block */
    C_TRIM_GAVE,          /* a second trim gives back a page */
    C_MISUSE_SERVED,      /* a refused misuse call returned something */
    C_MISUSE_NONE,        /* a call that must serve returned nothing */
    C_INTROSPECT_ZERO,    /* an introspection call accepted an argument out of range */
    C_DEFAULT_NONE,       /* the default heaps hold no small block */
    C_SUM_WRAPPED,        /* the sum's arenas_highwater subtracted, not added */
    C_SUM_NO_FREE,        /* the sum's classes have no free blocks */
    C_TEXT_ROW_GONE,      /* a table without its "# bytes of metadata" row */
    C_TEXT_CLASS_GONE,    /* a table without its first class row */
    C_TEXT_HEADING,       /* a table whose heading names one class fewer */
    C_CACHE_BUDGET_SHORT, /* the default heap's large cache budget 1 KiB short */
    C_HOME_NEXT,          /* a large block's home slot is the one after its own */
    C_ALLOWANCE_LESS,     /* the arena allowance one lower */
};

typedef struct doctor_plan {
    pa_exec_site site;
    enum change change;
    int done;          /* only one result at the site is broken, */
    size_t was;        /* a usable size before the change */
    int skip;          /* after this many at the site passed through unchanged */

} doctor_plan;

/* The detail of the last failure expect_rule saw. */
extern char last_detail[sizeof ((pa_exec_failure *)0)->detail];

/* A rule broken on purpose: the ops, the result the doctor changes, and
 * the failure that must follow. */
typedef struct rule_case {
    const char *ops;
    pa_exec_site site;
    enum change change;
    const char *kind, *want;
} rule_case;

/* Run text of the target (config's: the default configuration unless a
 * config line says otherwise), with large (if not NULL) as the heap's large
 * layer and the doctor's plan; the run must fail at op `at` with kind and a
 * detail that matches want. */
void expect_rule_in(pa_target target, const char *text, const pa_large_ops *large, doctor_plan *plan, size_t at,
                    const char *kind, const char *want);
/* The same in the config target. */
void expect_rule(const char *text, const pa_large_ops *large, doctor_plan *plan, size_t at, const char *kind,
                 const char *want);
/* The same ops, undoctored, pass: what fires is the break alone. */
void expect_clean(const char *text, const pa_large_ops *large);
/* Each case of the target fails at op `at` as it says (a config-target
 * case passes undoctored first). */
void expect_cases(pa_target target, const rule_case *cases, size_t n, size_t at);

#endif
