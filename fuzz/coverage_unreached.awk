# coverage.sh's list of branch directions never taken, each with its reason.
# Variable reasons: fuzz/coverage-unreached.txt, the reviewed reasons, one
# per line:
#   FILE <tab> TEXT <tab> True|False|either <tab> REASON
# (TEXT: part of the branch's source line, so a reason survives edits that
# move lines; * for every branch of the file). Input: llvm-cov show -show-branches=count. Variable src: the
# tree's root with a trailing slash, stripped from paths.
# Output: one line per unreached direction of alloc/src, invariants/src and
# the harness,
#   FILE:LINE:COL DIRECTION never: SOURCE LINE  -- REASON or UNEXPLAINED
# (COL is "macro" for a branch inside a macro used on that line).
# then a count per part.
BEGIN {
  while ((getline r < reasons) > 0) {
    if (r ~ /^#/ || split(r, field, "\t") < 4) continue
    nr++
    rfile[nr] = field[1]; rtext[nr] = field[2]; rdir[nr] = field[3]; rwhy[nr] = field[4]
  }
}
function part(f) {
  if (f ~ /^alloc\/src\//) return "alloc/src"
  if (f ~ /^invariants\/src\//) return "invariants/src"
  if (f ~ /^fuzz\/(harness|targets)\//) return "harness"
  return ""
}
function reason(f, text, dir,   i) {
  for (i = 1; i <= nr; i++)
    if (rfile[i] == f && (rtext[i] == "*" || index(text, rtext[i])) && (rdir[i] == dir || rdir[i] == "either")) {
      used[i] = 1
      return rwhy[i]
    }
  return ""
}
function report(dir, line, col,   text, why, p) {
  p = part(file)
  if (p == "") return
  if (in_macro) {
    line = outer
    col = "macro"
  }
  text = src_line[line]
  gsub(/^[ \t]+/, "", text)
  why = reason(file, text, dir)
  total[p]++
  if (why == "") { why = "UNEXPLAINED"; unexplained[p]++ }
  printf "%s:%d:%s %s never: %s  -- %s\n", file, line, col, dir, text, why
}
# a file's header: its absolute path and a colon
/^\/.*:$/ { file = substr($0, 1, length($0) - 1); sub("^" src, "", file); delete src_line; next }
# a source line of the file itself (not of a macro expansion): "  LINE|  COUNT|TEXT"
/^ *[0-9]+\|/ {
  line = $0
  n = line + 0
  sub(/^ *[0-9]+\|[^|]*\|/, "", line)
  src_line[n] = line
  outer = n
  next
}
/Branch \([0-9]+:[0-9]+\): \[True: / {
  # a branch of a macro's expansion view (bars nested before it) is counted
  # where the macro is used: the last line of the file itself
  in_macro = $0 ~ /^ *\|( *\|)+ *Branch/
  s = $0
  sub(/.*Branch \(/, "", s)
  split(s, lc, /[:)]/)
  t = s; sub(/.*True: /, "", t); sub(/,.*/, "", t)
  f = s; sub(/.*False: /, "", f); sub(/\].*/, "", f)
  if (t == "0") report("True", lc[1], lc[2])
  if (f == "0") report("False", lc[1], lc[2])
}
END {
  for (i = 1; i <= nr; i++)
    if (!used[i]) printf "reason unused in this run (nothing unreached matches it): %s: %s\n", rfile[i], rtext[i]
  split("alloc/src invariants/src harness", parts, " ")
  line = "unreached branch directions:"
  for (i = 1; i <= 3; i++)
    line = line sprintf(" %s %d (%d unexplained)%s", parts[i], total[parts[i]], unexplained[parts[i]], i < 3 ? ";" : "")
  print line
}
