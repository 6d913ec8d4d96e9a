/* pa_check_record's life (check_record.h). */
#include <stdlib.h>

#include "check_record.h"

pa_check_record *pa_check_record_new(void) { return calloc(1, sizeof(pa_check_record)); }

void pa_check_record_free(pa_check_record *m) {
    if (!m)
        return;
    chk_record_free_pools(m);
    free(m->owner.slots);
    free(m);
}
