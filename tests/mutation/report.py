"""The report of a mutation run, in Markdown: score, what killed what, how
the kills name the fault, time per mutant, and every survivor with its diff."""
import collections
import statistics

STAGES = ["replay", "tests", "fuzz"]
STAGE_NAMES = {"replay": "corpus replay", "tests": "unit tests (ctest)", "fuzz": "fuzzing"}


def pct(n, d):
    return "%.1f%%" % (100.0 * n / d) if d else "-"


def seconds_summary(values):
    if not values:
        return "-"
    return "median %.1f s, worst %.1f s, total %.0f s" % (statistics.median(values), max(values), sum(values))


def mode_line(args, records, other_mode):
    """Which results this report holds: a run without the corpus replay is
    fuzzing's own score, never to be read as the harness's. What such a run
    did is read from its records, not from this command's options."""
    if args.mode == "no-replay":
        how = collections.Counter("%s, fuzzing from the %s corpus" % (
            "unit tests then fuzzing" if r.get("tests") else "fuzzing only", r.get("fuzz_corpus", "?"))
            for r in records)
        what = "Mode: no corpus replay (`--no-replay`): %s." % (
            "; ".join("%s (%d)" % kv for kv in sorted(how.items())) or "no result yet")
    else:
        what = "Mode: normal (corpus replay first)."
    if other_mode:
        what += " The state file holds %d result(s) of the other mode, not in this report." % other_mode
    return what


def render(universe, equivalent, done, generated, args, other_mode):
    records = []
    reviewed = 0
    for m, digest, _ in universe:
        if m.id in equivalent:
            reviewed += 1
        elif (m.id, digest) in done:
            records.append(done[(m.id, digest)])
    by_status = collections.Counter(r["status"] for r in records)
    killed = [r for r in records if r["status"] == "killed"]
    survived = [r for r in records if r["status"] == "survived"]
    scored = len(killed) + len(survived)
    harness = [r for r in killed if r["stage"] in ("replay", "fuzz")]
    out = ["# Mutation testing report", "", mode_line(args, records, other_mode), ""]
    out.append("| | mutants |")
    out.append("| --- | ---: |")
    out.append("| generated from the files selected | %d |" % generated)
    out.append("| selected for this report | %d |" % len(universe))
    out.append("| reviewed equivalent (tests/mutation/equivalent.txt) | %d |" % reviewed)
    out.append("| run | %d (%s of the generated, %s of the selection) |"
               % (len(records), pct(len(records), generated), pct(len(records), len(universe))))
    out.append("| do not compile (not scored) | %d |" % by_status["stillborn"])
    out.append("| same object code as the original (equivalent, not scored) | %d |" % by_status["identical"])
    out.append("| killed | %d |" % len(killed))
    out.append("| survived | %d |" % len(survived))
    out.append("")
    alone = ("Fuzzing alone (no corpus replay, no unit tests)" if args.mode == "no-replay"
             else "Fuzz harness alone (corpus replay and fuzzing, no unit tests)")
    out.append("**Mutation score: %s** (%d killed of %d scored). %s: %s." % (
        pct(len(killed), scored), len(killed), scored, alone, pct(len(harness), scored)))
    out.append("")
    out.append("Killed by stage (the first stage that killed it; later stages did not run):")
    out.append("")
    out.append("| stage | killed | names what is wrong | test assertion | sanitizer | crash | timeout |"
               " seconds to kill |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for stage in STAGES:
        rs = [r for r in killed if r["stage"] == stage]
        kinds = collections.Counter(r["kind"] for r in rs)
        out.append("| %s | %d | %d | %d | %d | %d | %d | %s |" % (
            STAGE_NAMES[stage], len(rs), kinds["named"], kinds["test assertion"], kinds["sanitizer"],
            kinds["crash"], kinds["timeout"], seconds_summary([r["seconds"] for r in rs])))
    out.append("")
    out.append("Time per mutant (build and every stage run): %s." % seconds_summary(
        [r["seconds"] for r in records]))
    out.append("")
    ops = collections.defaultdict(collections.Counter)
    for r in records:
        ops[r["id"].split(":")[3]][r["status"]] += 1
    out.append("| operator | killed | survived | stillborn | identical |")
    out.append("| --- | ---: | ---: | ---: | ---: |")
    for op in sorted(ops):
        c = ops[op]
        out.append("| %s | %d | %d | %d | %d |" % (op, c["killed"], c["survived"], c["stillborn"], c["identical"]))
    out.append("")
    names = collections.Counter(r["detail"] for r in killed if r["kind"] == "named")
    if names:
        out.append("What the naming kills named: " + ", ".join("%s (%d)" % kv for kv in names.most_common()))
        out.append("")
    out.append("## Survivors (%d)" % len(survived))
    out.append("")
    if not survived:
        out.append("None.")
    for r in sorted(survived, key=lambda r: (r["file"], r["line"], r["id"])):
        diff = r["diff"].split("\n")
        if len(diff) > 8:
            diff = diff[:3] + ["  ..."] + diff[-3:]
        out.append("- `%s` (%.0f s)" % (r["id"], r["seconds"]))
        out.append("")
        out.append("  ```diff")
        out += ["  " + l for l in diff]
        out.append("  ```")
    return "\n".join(out)
