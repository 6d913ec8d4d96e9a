# coverage.sh's list of branch directions never taken, each with its reason.
# Input: llvm-cov show -show-branches=count -show-expansions. Variables:
#   src      the tree's root with a trailing slash, stripped from paths;
#   reasons  fuzz/coverage-unreached.txt, the reviewed reasons, one a line,
#            FILE <tab> TEXT <tab> True|False|either <tab> REASON, TEXT a
#            piece of the branch's source line (so a reason survives edits
#            that move lines), or * for every branch of the file.
# Output: one line per unreached direction of alloc/src, invariants/src and
# the harness,
#   FILE:LINE:COL DIRECTION never: SOURCE LINE  -- REASON or UNEXPLAINED
# (COL is "macro" for a branch inside a macro used on that line), the
# reasons nothing matched, then a count per part.
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
# One direction of a branch as one instantiation shows it. A function built
# into two programs differently has its branches listed once per build,
# groups between a line's top-level rules (or one after the other); a
# direction counts as unreached only if no listing took it. Within a group,
# the n-th listing of a place inside a macro is its own branch (one macro
# used twice on a line).
function note(dir, line, col, count,   key, p, text) {
  p = part(file)
  if (p == "") return
  key = file SUBSEP line SUBSEP col SUBSEP dir SUBSEP (in_macro ? macro_line : "")
  if (in_macro) # the same place twice in one group: one macro used twice
    key = key SUBSEP (++occurrence[key])
  if (!(key in seen)) {
    seen[key] = ++nkeys
    order[nkeys] = key
    text = src_line[in_macro ? macro_line : line]
    gsub(/^[ \t]+/, "", text)
    k_part[key] = p; k_file[key] = file; k_dir[key] = dir; k_text[key] = text
    k_at[key] = in_macro ? macro_line ":macro" : line ":" col
  }
  if (count != "0") taken[key] = 1
}
function report(key,   why, p) {
  p = k_part[key]
  why = reason(k_file[key], k_text[key], k_dir[key])
  total[p]++
  if (why == "") { why = "UNEXPLAINED"; unexplained[p]++ }
  printf "%s:%s %s never: %s  -- %s\n", k_file[key], k_at[key], k_dir[key], k_text[key], why
}
# a file's header: its absolute path and a colon
/^\/.*:$/ { file = substr($0, 1, length($0) - 1); sub("^" src, "", file); delete src_line; in_view = 0; next }
# a top-level rule: a line's branch groups (one per instantiation) begin and end
/^  -+$/ { delete occurrence; in_view = 0; next }
# "  | unity_0_c.c:fn:": one instantiation of a function built twice, its
# lines and branches one level down, until the next top-level rule
/^  \| [^ |].*:$/ { in_view = 1; next }
/^  \| +[0-9]+\|/ { if (in_view) view_outer = substr($0, 4) + 0; next }
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
  # a branch of a macro's expansion view (a level down, or two inside an
  # instantiation's view) is counted where the macro is used
  bars = $0
  sub(/Branch.*/, "", bars)
  depth = gsub(/\|/, "", bars)
  in_macro = depth >= (in_view ? 3 : 2)
  macro_line = in_view ? view_outer : outer
  s = $0
  sub(/.*Branch \(/, "", s)
  split(s, lc, /[:)]/)
  t = s; sub(/.*True: /, "", t); sub(/,.*/, "", t)
  f = s; sub(/.*False: /, "", f); sub(/\].*/, "", f)
  note("True", lc[1], lc[2], t)
  note("False", lc[1], lc[2], f)
}
END {
  for (i = 1; i <= nkeys; i++)
    if (!(order[i] in taken)) report(order[i])
  for (i = 1; i <= nr; i++)
    if (!used[i]) printf "reason unused in this run (nothing unreached matches it): %s: %s\n", rfile[i], rtext[i]
  split("alloc/src invariants/src harness", parts, " ")
  line = "unreached branch directions:"
  for (i = 1; i <= 3; i++)
    line = line sprintf(" %s %d (%d unexplained)%s", parts[i], total[parts[i]], unexplained[parts[i]], i < 3 ? ";" : "")
  print line
}
