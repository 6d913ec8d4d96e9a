/* The oracle-rule tests' doctor and the runs it breaks (oracle_doctor.h). */
#include "oracle_doctor.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolalloc/object_cache.h"
#include "poolalloc/stats.h"

#include "expect.h"

static char *replace_text(char **text, const char *with) {
    free(*text);
    *text = with ? strdup(with) : NULL;
    return *text;
}

/* Removes from a text the line that begins after at (at its '\n'). */
static void drop_line(char *at) {
    char *next = strchr(at + 1, '\n');
    memmove(at, next, strlen(next) + 1);
}

static void doctor(void *ctx, pa_exec_site site, void *value) {
    doctor_plan *p = ctx;
    if (site != p->site || p->done || (p->skip && p->skip--))
        return;
    p->done = 1;
    pa_object_cache_stats *cs = value;
    size_t *usable = value;
    char **text = value;
    switch (p->change) {
    case C_CACHE_HIT:
        cs->hits++;
        break;
    case C_CACHE_OVERFULL:
        cs->cached = cs->capacity + 1;
        break;
    case C_USABLE_SHORT:
        --*usable;
        break;
    case C_USABLE_GROWN:
        p->was = (*usable)++;
        break;
    case C_USABLE_NONE:
        *usable = 0;
        break;
    case C_SCAN_DAMAGED:
        *(size_t *)value = 1;
        break;
    case C_SCAN_CLEAN:
        *(size_t *)value = 0;
        break;
    case C_TRIM_GAVE:
        *(size_t *)value = 4096;
        break;
    case C_MISUSE_SERVED:
        *(uintptr_t *)value = 1;
        break;
    case C_MISUSE_NONE:
        *(uintptr_t *)value = 0;
        break;
    case C_INTROSPECT_ZERO:
        *(long long *)value = 0;
        break;
    case C_HOME_NEXT:
        ++*(size_t *)value;
        break;
    case C_ALLOWANCE_LESS:
        --*(size_t *)value;
        break;
    case C_DEFAULT_NONE:
        ((pa_stats *)value)->blocks_in_use = 0;
        break;
    case C_ERRNO_EINVAL:
        *(int *)value = EINVAL;
        break;
    case C_DEFAULT_LEAK:
        ((pa_stats *)value)->blocks_in_use += 1000;
        break;
    case C_TEXT_GONE:
        replace_text(text, NULL);
        break;
    case C_TEXT_NO_TOTAL:
        replace_text(text, "Class  Size  Blocks\n");
        break;
    case C_TEXT_WRONG_TOTAL:
        replace_text(text, "Class  Size  Blocks\nTotal mapped = 0\n");
        break;
    case C_JSON_BROKEN:
        replace_text(text, "{\"classes\":[");
        break;
    case C_JSON_NO_CLASSES:
        replace_text(text, "{\"classes\":[]}");
        break;
    case C_KEPT_NO_ARENA:
        ((pa_exec_kept *)value)->arenas = 0;
        break;
    case C_KEPT_ALLOWANCE:
        ((pa_exec_kept *)value)->allowance = 1000;
        break;
    case C_FRESH_ZEROED:
        *(unsigned char *)value = 0;
        break;
    case C_FLIPPED:
        *(int *)value = !*(int *)value;
        break;
    case C_STATE_UNKNOWN:
        snprintf(value, 16, "unknown state");
        break;
    case C_POOLS_ONE_MORE:
        ++*usable;
        break;
    case C_KEPT_HEAD_STUCK:
        ((pa_exec_kept *)value)->quarantine_head = 0;
        break;
    case C_SUM_WRAPPED:
        ((pa_stats *)value)->arenas_highwater = 0 - ((pa_stats *)value)->arenas_highwater;
        break;
    case C_CACHE_BUDGET_SHORT:
        ((pa_config *)value)->large_cache_bytes -= 1024;
        break;
    case C_SUM_NO_FREE:
        for (size_t i = 0; i < ((pa_stats *)value)->nclasses; i++)
            ((pa_stats *)value)->classes[i].free_blocks = 0;
        break;
    case C_TEXT_ROW_GONE:
        drop_line(strstr(*text, "\n# bytes of metadata"));
        break;
    case C_TEXT_CLASS_GONE:
        drop_line(strstr(*text, "-----\n") + 5);
        break;
    case C_TEXT_HEADING: {
        char *n = strstr(*text, " size classes.");
        n[-1] = (char)(n[-1] - 1); /* 44 classes: 43 */
        break;
    }
    case C_JSON_WRONG_FIGURE: {
        char *v = strstr(*text, "\"bytes_total\":");
        if (v) {
            v += strlen("\"bytes_total\":");
            *v = *v == '9' ? '1' : (char)(*v + 1);
        }
        break;
    }
    }
}

char last_detail[sizeof ((pa_exec_failure *)0)->detail];

void expect_rule_in(pa_target target, const char *text, const pa_large_ops *large, doctor_plan *plan, size_t at,
                    const char *kind, const char *want) {
    pa_input in;
    char err[200];
    EXPECT(pa_input_parse_text(target, text, &in, err, sizeof err) == 0, "%s", err);
    if (large)
        in.cfg.large = *large;
    pa_exec_options opt = {0, 0, NULL, NULL, plan, plan ? doctor : NULL};
    pa_exec_failure f;
    int rc = pa_exec_run(&in.cfg, in.ops, in.nops, &opt, &f, NULL);
    EXPECT(rc == 1 && !strcmp(f.kind, kind) && f.op_index == at && matches(want, f.detail),
           "'%s': expected %s at op %zu, '%s'; got %s at op %zu, '%s'", text, kind, at, want, rc ? f.kind : "a pass",
           rc ? f.op_index : 0, rc ? f.detail : "");
    snprintf(last_detail, sizeof last_detail, "%s", rc ? f.detail : "");
    if (rc)
        pa_exec_failure_free(&f);
    pa_input_free(&in);
}

void expect_rule(const char *text, const pa_large_ops *large, doctor_plan *plan, size_t at, const char *kind,
                 const char *want) {
    expect_rule_in(PA_TARGET_CONFIG, text, large, plan, at, kind, want);
}

void expect_clean(const char *text, const pa_large_ops *large) {
    pa_input in;
    char err[200];
    EXPECT(pa_input_parse_text(PA_TARGET_CONFIG, text, &in, err, sizeof err) == 0, "%s", err);
    if (large)
        in.cfg.large = *large;
    pa_exec_failure f;
    int rc = pa_exec_run(&in.cfg, in.ops, in.nops, NULL, &f, NULL);
    EXPECT(rc == 0, "'%s' failed undoctored: %s %s", text, f.kind, f.detail);
    if (rc)
        pa_exec_failure_free(&f);
    pa_input_free(&in);
}

void expect_cases(pa_target target, const rule_case *cases, size_t n, size_t at) {
    for (size_t i = 0; i < n; i++) {
        if (target == PA_TARGET_CONFIG)
            expect_clean(cases[i].ops, NULL);
        doctor_plan plan = {cases[i].site, cases[i].change, 0, 0, 0};
        expect_rule_in(target, cases[i].ops, NULL, &plan, at, cases[i].kind, cases[i].want);
    }
}
