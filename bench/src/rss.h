/* Resident set size of this process, from /proc/self/status. Reads with
 * open/read into a stack buffer: no call reaches the allocator under test. */
#ifndef BENCH_RSS_H
#define BENCH_RSS_H

/* Start a new peak: the kernel sets VmHWM to the current VmRSS (writing 5 to
 * /proc/self/clear_refs). 0 on success, -1 when the kernel refuses. */
int bench_rss_reset_peak(void);
/* VmRSS and VmHWM in KiB; -1 if /proc cannot be read. */
long bench_rss_current_kib(void);
long bench_rss_peak_kib(void);

#endif
