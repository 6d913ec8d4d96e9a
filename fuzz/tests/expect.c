/* The counters of expect.h, one pair per test program. */
#include "expect.h"

int failures, checks;
