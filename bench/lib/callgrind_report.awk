# callgrind.csv -> callgrind.md (on stdout) and, when dat is set, the chart's
# data file. Variables: fdir, the folder of the per-function splits; dat.
# Columns: allocator,size,live,pairs,ir_per_pair,allocator_ir_per_pair,caller_ir_per_pair

function col_name(size, live) { return live == 16 ? size " B" : live == 0 ? size " B, none live" : size " B, " live " live" }

NR == 1 { next }
{
  a = $1; c = col_name($2, $3)
  if (!(a in seen_a)) { seen_a[a] = 1; allocs[++na] = a }
  if (!(c in seen_c)) { seen_c[c] = 1; cols[++nc] = c }
  inside[a, c] = $6; caller[a, c] = $7; pairs = $4
}

function best_peer(c,    i, b) {
  b = ""
  for (i = 1; i <= na; i++)
    if (allocs[i] != "poolalloc" && (allocs[i], c) in inside && (b == "" || inside[allocs[i], c] + 0 < b + 0))
      b = inside[allocs[i], c]
  return b
}

function split_table(a, file,    line, n, f) {
  file = fdir "/" a "-size32-live16.functions.tsv"
  if ((getline line < file) <= 0) return
  printf "\n%s, 32 B pair, per function (instructions per pair; file:function [object]):\n\n", a
  print "| instructions | function |"
  print "| ---: | --- |"
  n = 0
  do {
    split(line, f, "\t")
    if (++n <= 12) printf "| %s | `%s` |\n", f[1], f[2]
  } while ((getline line < file) > 0)
  close(file)
}

END {
  printf "## Instructions per malloc+free pair (callgrind)\n\n"
  printf "Instructions executed inside the allocator per pair, the difference of a run of %d pairs and a run of none (same set-up and warm-up), so start-up costs cancel out. The caller's loop (the two calls, the volatile store of the pointer, a PLT stub per call for the shared peers) is counted apart, in the last column. 16 blocks of the size stay live, so the pool or page the pair uses never empties; \"none live\" lets every free empty it.\n\n", pairs
  printf "| allocator |"; for (j = 1; j <= nc; j++) printf " %s |", cols[j]
  printf " ×best peer (32 B) | ×mimalloc (32 B) | caller loop |\n"
  printf "| --- |"; for (j = 1; j <= nc + 3; j++) printf " ---: |"; printf "\n"
  bp = best_peer("32 B")
  for (i = 1; i <= na; i++) {
    a = allocs[i]
    printf "| %s |", a
    for (j = 1; j <= nc; j++) printf " %s |", ((a, cols[j]) in inside) ? sprintf("%.1f", inside[a, cols[j]]) : "-"
    v = inside[a, "32 B"]
    printf " %s |", (bp > 0 && v != "") ? sprintf("%.2f", v / bp) : "-"
    m = inside["mimalloc", "32 B"]
    printf " %s |", (m > 0 && v != "") ? sprintf("%.2f", v / m) : "-"
    printf " %.1f |\n", caller[a, "32 B"]
  }
  split_table("poolalloc")
  split_table("mimalloc")
  if (dat != "") {
    printf "size" > dat
    for (i = 1; i <= na; i++) printf " %s", allocs[i] > dat
    printf "\n" > dat
    for (j = 1; j <= nc; j++) {
      printf "\"%s\"", cols[j] > dat
      for (i = 1; i <= na; i++) printf " %s", (((allocs[i], cols[j]) in inside) ? inside[allocs[i], cols[j]] : "-") > dat
      printf "\n" > dat
    }
    close(dat)
  }
}
