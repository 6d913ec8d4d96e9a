# callgrind_traces.csv -> the table of instructions per trace replay (on
# stdout), appended to callgrind.md.
# Columns: allocator,trace,ir_per_replay

NR == 1 { next }
{
  if (!($1 in seen_a)) { seen_a[$1] = 1; allocs[++na] = $1 }
  if (!($2 in seen_t)) { seen_t[$2] = 1; traces[++nt] = $2 }
  ir[$1, $2] = $3
}

END {
  printf "\n## Instructions per trace replay (callgrind)\n\n"
  printf "Whole program, in millions: half the difference of a run replaying the trace three times and a run replaying it once, so start-up and loading the trace cancel out. The replay loop's own work (touching every block it gets) is the same for every allocator and included.\n\n"
  printf "| trace |"; for (i = 1; i <= na; i++) printf " %s |", allocs[i]
  printf " poolalloc ×best peer |\n| --- |"
  for (i = 1; i <= na + 1; i++) printf " ---: |"
  printf "\n"
  for (j = 1; j <= nt; j++) {
    t = traces[j]; best = ""
    printf "| %s |", t
    for (i = 1; i <= na; i++) {
      a = allocs[i]
      printf " %s |", ((a, t) in ir) ? sprintf("%.2f", ir[a, t] / 1e6) : "-"
      if (a != "poolalloc" && (a, t) in ir && (best == "" || ir[a, t] + 0 < best + 0)) best = ir[a, t]
    }
    printf " %s |\n", (best > 0 && (("poolalloc", t) in ir)) ? sprintf("%.3f", ir["poolalloc", t] / best) : "-"
  }
}
