# coverage.sh's summary: llvm-cov report's table (one row per file, paths
# relative to the sources' common directory) as markdown, lines and
# branches covered per file of alloc/src, invariants/src and the harness,
# and a total per part. Variables: what (what ran).
function part(f) {
  if (f ~ /^alloc\/src\//) return "alloc/src"
  if (f ~ /^invariants\/src\//) return "invariants/src"
  if (f ~ /^fuzz\/(harness|targets)\//) return "harness"
  return ""
}
function pct(hit, all) { return all ? sprintf("%.1f%%", 100 * hit / all) : "-" }
function row(name, l, lm, b, bm) {
  printf "| %s | %d/%d | %s | %d/%d | %s |\n", name, l - lm, l, pct(l - lm, l), b - bm, b, pct(b - bm, b)
}
# Filename Regions Missed Cover Functions Missed Executed Lines Missed Cover Branches Missed Cover
NF == 13 && $2 ~ /^[0-9]+$/ && $2 > 0 && part($1) != "" {
  p = part($1)
  n[p]++
  file[p, n[p]] = $1
  L[p, n[p]] = $8; LM[p, n[p]] = $9; B[p, n[p]] = $11; BM[p, n[p]] = $12
  tl[p] += $8; tlm[p] += $9; tb[p] += $11; tbm[p] += $12
}
END {
  split("alloc/src invariants/src harness", parts, " ")
  printf "Coverage of %s\n\n", what
  print "| part | lines | lines % | branches | branches % |"
  print "|---|---:|---:|---:|---:|"
  for (i = 1; i <= 3; i++) row("**" parts[i] "**", tl[parts[i]], tlm[parts[i]], tb[parts[i]], tbm[parts[i]])
  for (i = 1; i <= 3; i++) {
    p = parts[i]
    printf "\n%s, per file\n\n", p
    print "| file | lines | lines % | branches | branches % |"
    print "|---|---:|---:|---:|---:|"
    for (j = 1; j <= n[p]; j++) {
      # llvm-cov lists files in no useful order: sort by name
      for (k = j + 1; k <= n[p]; k++)
        if (file[p, k] < file[p, j]) {
          t = file[p, j]; file[p, j] = file[p, k]; file[p, k] = t
          t = L[p, j]; L[p, j] = L[p, k]; L[p, k] = t
          t = LM[p, j]; LM[p, j] = LM[p, k]; LM[p, k] = t
          t = B[p, j]; B[p, j] = B[p, k]; B[p, k] = t
          t = BM[p, j]; BM[p, j] = BM[p, k]; BM[p, k] = t
        }
      row(file[p, j], L[p, j], LM[p, j], B[p, j], BM[p, j])
    }
  }
}
