# raw.csv (every run) -> the tables on stdout (markdown), results.csv (the
# medians) and the charts' data files. Variables:
#   about   a file of NAME<TAB>DESCRIPTION lines, one per workload
#   cg      callgrind.csv (may be missing: its target line then says so)
#   csv     where to write the medians
#   datdir  where to write ns.dat ns_ratio.dat peak.dat after.dat
# raw.csv columns: rep,allocator,workload,ops,cpu_ns,wall_ns,base_kib,peak_kib,
#                  mark_kib,after_kib,peak_reset,malloc_from,extra

function push(k, v) { vals[k] = (k in vals) ? vals[k] " " v : v }

# The median of the space-separated numbers in s ("" when s is empty).
function median(s,    a, n, i, j, t) {
  n = split(s, a, " ")
  if (n == 0) return ""
  for (i = 2; i <= n; i++)
    for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
  return n % 2 ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}

function extra_field(s, key,    f, n, i) {
  n = split(s, f, " ")
  for (i = 1; i <= n; i++) if (index(f[i], key "=") == 1) return substr(f[i], length(key) + 2)
  return ""
}

# The smallest median among the peers (every allocator but poolalloc and its drop-in).
function best_peer(w, m,    i, a, b) {
  b = ""
  for (i = 1; i <= na; i++) {
    a = allocs[i]
    if (a == "poolalloc" || a == "dropin" || !((w, a, m) in med) || med[w, a, m] == "") continue
    if (b == "" || med[w, a, m] + 0 < b + 0) b = med[w, a, m]
  }
  return b
}

# value / best, or "-" when there is no best or it is too small to divide by.
function ratio(v, b, floor) {
  if (v == "" || b == "" || b + 0 < floor || b + 0 == 0) return "-"
  return sprintf(v / b < 0.1 ? "%.3f" : "%.2f", v / b)
}
function fmt(v, f) { return v == "" ? "-" : sprintf(f, v) }

BEGIN {
  FS = ","
  while ((getline line < about) > 0) {
    split(line, f, "\t")
    desc[f[1]] = f[2]
  }
  close(about)
}

FNR == 1 { next }
{
  a = $2; w = $3
  if ($4 + 0 == 0) next
  if (!(a in seen_a)) { seen_a[a] = 1; allocs[++na] = a }
  if (!(w in seen_w)) { seen_w[w] = 1; works[++nw] = w }
  runs[w, a]++
  push(w SUBSEP a SUBSEP "ns", $5 / $4)
  push(w SUBSEP a SUBSEP "wall", $6 / $4)
  push(w SUBSEP a SUBSEP "peak", ($8 - $7) / 1024)
  push(w SUBSEP a SUBSEP "after", ($10 - $7) / 1024)
  if ($9 >= 0) push(w SUBSEP a SUBSEP "mark", ($9 - $7) / 1024)
  v = extra_field($13, "arenas_after"); if (v != "") push(w SUBSEP a SUBSEP "arenas_after", v)
  v = extra_field($13, "arenas_peak"); if (v != "") push(w SUBSEP a SUBSEP "arenas_peak", v)
  v = extra_field($13, "pools_kib"); if (v != "") push(w SUBSEP a SUBSEP "pools", v / 1024)
  v = extra_field($13, "free_in_pools_kib"); if (v != "") push(w SUBSEP a SUBSEP "free_in_pools", v / 1024)
  v = extra_field($13, "page_bound_kib"); if (v != "") push(w SUBSEP a SUBSEP "page_bound", v / 1024)
  from[a] = $12
}

END {
  nm = split("ns wall peak after mark arenas_after arenas_peak pools free_in_pools page_bound", metric, " ")
  for (wi = 1; wi <= nw; wi++)
    for (ai = 1; ai <= na; ai++)
      for (mi = 1; mi <= nm; mi++) {
        k = works[wi] SUBSEP allocs[ai] SUBSEP metric[mi]
        med[k] = (k in vals) ? median(vals[k]) : ""
      }

  print "workload,allocator,runs,ns_per_op,wall_ns_per_op,ns_vs_best_peer,peak_mib,peak_vs_best_peer," \
        "after_mib,after_vs_best_peer,checkpoint_mib,arenas_after,arenas_peak,malloc_from" > csv
  for (i = 1; i <= na; i++) header = header " " allocs[i]
  split("ns ns_ratio peak after", dats, " ")
  for (d in dats) print "workload" header > (datdir "/" dats[d] ".dat")

  for (wi = 1; wi <= nw; wi++) {
    w = works[wi]
    bns = best_peer(w, "ns"); bpk = best_peer(w, "peak"); baf = best_peer(w, "after")
    name = w; sub(/^trace-.*/, "trace", name)
    if (wi == 1)
      printf "Medians of each table's runs. ns/op: CPU time (user + system) of the workload over its allocator calls (malloc, calloc, realloc, free: each one op); wall ns/op beside it. RSS in MiB above the RSS at the workload's start (the harness's own memory is resident by then): peak (VmHWM, restarted at the start), after the workload has freed everything, and at its checkpoint (the live set at its largest, or as the workload says). ×best peer: this figure over the best of the peers (glibc, jemalloc, mimalloc, tcmalloc); RSS ratios only where the best is at least 1 MiB.\n\n"
    n = runs[w, allocs[1]]
    printf "### %s\n\n%s; %d run%s of each allocator.\n\n", w, (w in desc) ? desc[w] : desc[name], n, n == 1 ? "" : "s"
    print "| allocator | ns/op | ×best peer | peak RSS | ×best peer | RSS after free-all | ×best peer | checkpoint RSS | wall ns/op |"
    print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    row_ns = w; row_ratio = w; row_peak = w; row_after = w
    for (ai = 1; ai <= na; ai++) {
      a = allocs[ai]
      ns = med[w, a, "ns"]; pk = med[w, a, "peak"]; af = med[w, a, "after"]; mk = med[w, a, "mark"]
      if (ns == "") {
        printf "| %s | failed | | | | | | | |\n", a
        row_ns = row_ns " -"; row_ratio = row_ratio " -"; row_peak = row_peak " -"; row_after = row_after " -"
        continue
      }
      printf "| %s | %.1f | %s | %.1f | %s | %.2f | %s | %s | %.1f |\n", a, ns, ratio(ns, bns, 0), pk, \
        ratio(pk, bpk, 1), af, ratio(af, baf, 1), fmt(mk, "%.1f"), med[w, a, "wall"]
      printf "%s,%s,%d,%.2f,%.2f,%s,%.2f,%s,%.2f,%s,%s,%s,%s,%s\n", w, a, runs[w, a], ns, med[w, a, "wall"], \
        ratio(ns, bns, 0), pk, ratio(pk, bpk, 1), af, ratio(af, baf, 1), fmt(mk, "%.2f"), \
        med[w, a, "arenas_after"], med[w, a, "arenas_peak"], from[a] > csv
      row_ns = row_ns " " sprintf("%.2f", ns)
      row_ratio = row_ratio " " ratio(ns, bns, 0)
      row_peak = row_peak " " sprintf("%.2f", pk < 0.01 ? 0.01 : pk)
      row_after = row_after " " sprintf("%.2f", af < 0.01 ? 0.01 : af)
    }
    if (med[w, "poolalloc", "arenas_after"] != "")
      printf "\npoolalloc's default heap after freeing everything: %s arena(s) mapped (most at once: %s).\n", \
        med[w, "poolalloc", "arenas_after"], med[w, "poolalloc", "arenas_peak"]
    if (med[w, "poolalloc", "pools"] != "")
      printf "At the checkpoint its pools holding a live block take %.1f MiB, %.1f MiB of it free blocks their size classes keep; giving back every page with no live block in it would still keep %.1f MiB (bench/src/heap_anatomy.h).\n", \
        med[w, "poolalloc", "pools"], med[w, "poolalloc", "free_in_pools"], med[w, "poolalloc", "page_bound"]
    printf "\n"
    print row_ns > (datdir "/ns.dat"); print row_ratio > (datdir "/ns_ratio.dat")
    print row_peak > (datdir "/peak.dat"); print row_after > (datdir "/after.dat")
  }

  # The issue's targets, each checked against the medians above.
  printf "### Targets\n\n| target | figure | met |\n| --- | --- | --- |\n" > targets
  w = "pair"
  if ((w, "poolalloc", "ns") in med && med[w, "poolalloc", "ns"] != "") {
    b = best_peer(w, "ns"); v = med[w, "poolalloc", "ns"]
    printf "| malloc+free pair faster than every peer (ns) | %.1f ns per pair vs %.1f (best peer) | %s |\n", \
      2 * v, 2 * b, v < b ? "yes" : "no" > targets
  }
  while ((getline line < cg) > 0) {
    split(line, f, ",")
    if (f[2] == "32") cgir[f[1], f[3]] = f[6]
  }
  close(cg)
  # The pair through pa_malloc (poolalloc) and through the drop-in's
  # malloc/free, with 16 live neighbours and with none.
  for (ci = 1; ci <= 4; ci++) {
    a = ci <= 2 ? "poolalloc" : "dropin"; live = ci % 2 ? "16" : "0"
    if (((a, live) in cgir) && (("mimalloc", live) in cgir))
      printf "| %s pair at or below mimalloc's instruction count (32 B, %s live) | %.1f vs %.1f instructions | %s |\n", \
        a, live, cgir[a, live], cgir["mimalloc", live], cgir[a, live] + 0 <= cgir["mimalloc", live] + 0 ? "yes" : "no" > targets
    else
      printf "| %s pair at or below mimalloc's instruction count (32 B, %s live) | callgrind.csv lacks %s or mimalloc | not measured |\n", \
        a, live, a > targets
  }
  w = "article"
  if ((w, "poolalloc", "ns") in med && med[w, "poolalloc", "ns"] != "") {
    b = best_peer(w, "ns"); v = med[w, "poolalloc", "ns"]
    printf "| article scenario faster per op than every peer | %.1f ns/op vs %.1f (best peer) | %s |\n", \
      v, b, v < b ? "yes" : "no" > targets
    v = med[w, "poolalloc", "arenas_after"]
    printf "| article scenario: at most one arena kept after freeing everything | %s arena(s), RSS after %.2f MiB | %s |\n", \
      v, med[w, "poolalloc", "after"], (v != "" && v + 0 <= 1) ? "yes" : "no" > targets
  }
  for (wi = 1; wi <= nw; wi++) {
    w = works[wi]
    if (w == "pair" || w == "article") continue
    for (ci = 1; ci <= 2; ci++) {
      a = ci == 1 ? "poolalloc" : "dropin"
      if (med[w, a, "ns"] == "") continue
      b = best_peer(w, "ns"); v = med[w, a, "ns"]
      printf "| %s: %s at least as fast as the best peer | %.1f ns/op vs %.1f (%.2fx) | %s |\n", w, a, v, b, v / b, v <= b ? "yes" : "no" > targets
    }
  }
  # Peak RSS against glibc's: the issue's goals for fragment and realloc.
  split("fragment 1.2 realloc 2", goal, " ")
  for (gi = 1; gi <= 3; gi += 2) {
    w = goal[gi]
    if (med[w, "glibc", "peak"] == "") continue
    for (ci = 1; ci <= 2; ci++) {
      a = ci == 1 ? "poolalloc" : "dropin"
      if (med[w, a, "peak"] == "") continue
      v = med[w, a, "peak"] / med[w, "glibc", "peak"]
      printf "| %s: %s peak RSS at most %sx glibc's | %.1f MiB vs %.1f MiB (%.2fx) | %s |\n", w, a, goal[gi + 1], \
        med[w, a, "peak"], med[w, "glibc", "peak"], v, v <= goal[gi + 1] + 0 ? "yes" : "no" > targets
    }
  }
  # After four threads freed everything and exited: the issue's bound is
  # the process-wide budget of wholly free arenas (empty_arenas_max of
  # arena_size: 8 x 1 MiB by default), whichever thread freed last.
  split("prodcons threadlocal", mt, " ")
  for (gi = 1; gi <= 2; gi++) {
    w = mt[gi]
    if (med[w, "poolalloc", "after"] == "") continue
    printf "| %s: RSS after every thread freed everything and exited, within the process-wide budget of wholly free arenas (8 MiB) | poolalloc %.2f MiB, drop-in %s MiB (best peer %.2f MiB) | %s |\n", w, \
      med[w, "poolalloc", "after"], fmt(med[w, "dropin", "after"], "%.2f"), best_peer(w, "after"), \
      med[w, "poolalloc", "after"] + 0 <= 8 ? "yes" : "no" > targets
  }
  close(targets)
}
