#define _GNU_SOURCE

#include "malloc_origin.h"

#include <dlfcn.h>
#include <string.h>

const char *bench_malloc_origin(void)
{
    void *sym = dlsym(RTLD_DEFAULT, "malloc");
    Dl_info info;
    if (sym == NULL || dladdr(sym, &info) == 0 || info.dli_fname == NULL)
        return "unknown";
    const char *slash = strrchr(info.dli_fname, '/');
    return slash != NULL ? slash + 1 : info.dli_fname;
}
