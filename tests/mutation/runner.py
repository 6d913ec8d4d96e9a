"""Mutation testing of alloc/src: generates the mutants, skips the reviewed
equivalent ones and those already in the state file, runs the rest over N
workers and prints the report. See tests/mutation/README.md."""
import argparse
import fnmatch
import glob
import json
import multiprocessing
import os
import queue
import random
import re
import signal
import sys
import time

import generate
import report
from worker import HEAP_TARGETS, TARGETS, Worker, stop_running

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))


def positive(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a number: %r" % text)
    if v < 0:
        raise argparse.ArgumentTypeError("must be >= 0: %r" % text)
    return v


def parse_args(argv):
    p = argparse.ArgumentParser(prog="tests/mutation/run.sh", description=__doc__)
    p.add_argument("--jobs", type=positive, default=1, help="workers, each with its own build (default 1)")
    p.add_argument("--sample", type=positive, help="run only N mutants, picked with --seed")
    p.add_argument("--seed", type=positive, default=1, help="seed of the sample (default 1)")
    p.add_argument("--files", help="comma-separated globs of the files to mutate (default alloc/src/*.[ch])")
    p.add_argument("--ids", help="a file of mutant ids to run, one a line")
    p.add_argument("--operators", help="comma-separated operators to keep (ROR,BND,AOR,...)")
    p.add_argument("--fuzz-seconds", type=positive, default=30,
                   help="fuzzing time per target for a survivor of replay and tests; 0: no fuzzing (default 30)")
    p.add_argument("--fuzz-corpus", choices=["merged", "seeds", "empty"], default="merged",
                   help="what fuzzing starts from: the shipped corpus, its seed files only, or nothing")
    p.add_argument("--targets", default=",".join(HEAP_TARGETS),
                   help="fuzz targets for replay and fuzzing, in the order tried (default: those running a heap)")
    p.add_argument("--no-tests", action="store_true", help="skip the ctest stage: score the fuzz harness alone")
    p.add_argument("--no-replay", action="store_true",
                   help="skip the corpus replay: with --no-tests, what fuzzing kills by itself; its results are "
                        "kept apart from a normal run's in the state file")
    p.add_argument("--replay-timeout", type=positive, default=120, help="seconds per replay program")
    p.add_argument("--test-timeout", type=positive, default=120, help="seconds per ctest test")
    p.add_argument("--build-jobs", type=positive, default=1, help="ninja -j of each worker (default 1)")
    p.add_argument("--work", default=os.path.join(SRC, "build", "mutation"),
                   help="worker trees, builds and the default state file (default build/mutation)")
    p.add_argument("--state", help="results file, one JSON line per mutant (default WORK/state.jsonl)")
    p.add_argument("--list", action="store_true", help="print the selected mutant ids and exit")
    p.add_argument("--report", action="store_true", help="print the report of the state file and exit")
    p.add_argument("--max-minutes", type=positive, help="start no new mutant after this long")
    p.add_argument("--report-all", action="store_true",
                   help="report every mutant in the state file, not only this selection")
    a = p.parse_args(argv)
    a.targets = [t for t in a.targets.split(",") if t]
    bad = [t for t in a.targets if t not in TARGETS]
    if bad:
        p.error("unknown target %s (known: %s)" % (",".join(bad), ",".join(TARGETS)))
    if a.no_replay and a.no_tests and a.fuzz_seconds == 0:
        p.error("--no-replay --no-tests --fuzz-seconds 0 leaves no stage to run")
    a.state = a.state or os.path.join(a.work, "state.jsonl")
    a.mode = run_mode(a)
    return a


def run_mode(args):
    """The state file's mark of a run that skipped the corpus replay: such a
    result says nothing of what a normal run would do, so the two never mix."""
    return "no-replay" if args.no_replay else "normal"


def source_files(patterns):
    files = sorted(os.path.relpath(f, SRC) for f in glob.glob(os.path.join(SRC, "alloc", "src", "*.[ch]")))
    if not patterns:
        return files
    globs = [g.strip() for g in patterns.split(",") if g.strip()]
    chosen = [f for f in files if any(fnmatch.fnmatch(f, g) or fnmatch.fnmatch(os.path.basename(f), g)
                                      for g in globs)]
    if not chosen:
        raise SystemExit("mutation: --files %s matches nothing in alloc/src" % patterns)
    return chosen


def load_equivalent(path):
    """id -> reason, from lines 'ID  reason' ('#' starts a comment)."""
    found = {}
    if not os.path.exists(path):
        return found
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            if len(parts) < 2:
                raise SystemExit("mutation: %s:%d: an id needs a reason" % (path, n))
            found[parts[0]] = parts[1]
    return found


def load_state(path, mode):
    """(id, file digest) -> the last result recorded in this mode (a line
    without one is a normal run's), and how many lines another mode wrote."""
    done, other = {}, 0
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    r = json.loads(line)
                    if r.get("mode", "normal") != mode:
                        other += 1
                        continue
                    done[(r["id"], r["source"])] = r
    return done, other


def invariant_ids():
    """The stable identifiers of docs/INVARIANTS.md: a kill naming one names what is wrong."""
    path = os.path.join(SRC, "docs", "INVARIANTS.md")
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        return set(re.findall(r"`([A-Z][A-Z0-9_]{3,})`", f.read()))


def select(args, files):
    """(all generated mutants with their file's digest, the selection to run)."""
    everything = []
    for rel in files:
        with open(os.path.join(SRC, rel)) as f:
            text = f.read()
        digest = generate.source_digest(text)
        everything += [(m, digest, text) for m in generate.mutants_of(rel, text)]
    chosen = everything
    if args.operators:
        ops = set(args.operators.split(","))
        chosen = [x for x in chosen if x[0].operator in ops]
    if args.ids:
        with open(args.ids) as f:
            wanted = {l.split()[0] for l in f if l.strip() and not l.startswith("#")}
        chosen = [x for x in chosen if x[0].id in wanted]
    if args.sample is not None and args.sample < len(chosen):
        chosen = random.Random(args.seed).sample(chosen, args.sample)
        chosen.sort(key=lambda x: (x[0].path, x[0].line, x[0].col, x[0].id))
    return everything, chosen


def work_loop(index, args, invariants, todo, results):
    signal.signal(signal.SIGTERM, stop_running)
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # the parent stops us with SIGTERM
    worker = Worker(SRC, args.work, index, args, invariants)
    worker.setup()
    results.put(("ready", index))
    while True:
        item = todo.get()
        if item is None:
            break
        mutant, digest, diff = item
        r = worker.try_mutant(mutant, digest)
        r.update({"source": digest, "file": mutant.path, "line": mutant.line, "diff": diff})
        if args.mode != "normal":
            r.update({"mode": args.mode, "tests": not args.no_tests, "fuzz_corpus": args.fuzz_corpus})
        results.put(("done", r))


def run_selection(args, pending, invariants):
    ctx = multiprocessing.get_context("fork")
    todo, results = ctx.Queue(), ctx.Queue()
    jobs = max(1, min(args.jobs, len(pending)))
    procs = [ctx.Process(target=work_loop, args=(i, args, invariants, todo, results)) for i in range(jobs)]
    for p in procs:
        p.start()
    start = time.time()
    queued = 0

    def feed():
        nonlocal queued
        if queued < len(pending) and not (args.max_minutes and time.time() - start > args.max_minutes * 60):
            todo.put(pending[queued])
            queued += 1
            return True
        todo.put(None)
        return False

    for _ in procs:
        feed()
    try:
        return collect(args, pending, procs, results, feed)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
            p.join()


def collect(args, pending, procs, results, feed):
    """Writes each result to the state file as it comes; False if a worker died."""
    finished, running = 0, len(procs)
    with open(args.state, "a") as state:
        while running:
            try:
                kind, r = results.get(timeout=5)
            except queue.Empty:
                if any(p.exitcode not in (None, 0) for p in procs):
                    return False
                continue
            if kind == "ready":
                continue
            state.write(json.dumps(r) + "\n")
            state.flush()
            finished += 1
            stage = r.get("stage", "")
            print("[%d/%d] %-60s %-10s %-7s %6.1fs %s" % (finished, len(pending), r["id"], r["status"], stage,
                                                          r["seconds"], r.get("kind", "")), flush=True)
            if not feed():
                running -= 1
    return True


def main(argv):
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))   # runs the finally blocks that stop the workers
    args = parse_args(argv)
    files = source_files(args.files)
    equivalent = load_equivalent(os.path.join(HERE, "equivalent.txt"))
    everything, chosen = select(args, files)
    ids = {m.id for m, _, _ in everything}
    all_files = source_files(None) == files
    stale = sorted(i for i in equivalent if i not in ids and (all_files or i.split(":")[0] in files))
    for i in stale:
        print("mutation: equivalent.txt names no current mutant: %s (line moved? update or drop it)" % i,
              file=sys.stderr)
    if args.list:
        for m, _, _ in chosen:
            print(m.id + ("  [equivalent]" if m.id in equivalent else ""))
        print("%d selected of %d generated" % (len(chosen), len(everything)), file=sys.stderr)
        return 0
    os.makedirs(args.work, exist_ok=True)
    done, other_mode = load_state(args.state, args.mode)
    if not args.report:
        pending = [(m, d, generate.diff_line(text, m)) for m, d, text in chosen
                   if m.id not in equivalent and (m.id, d) not in done]
        print("mutation: %d generated, %d selected, %d reviewed equivalent, %d done before, %d to run"
              % (len(everything), len(chosen), sum(m.id in equivalent for m, _, _ in chosen),
                 sum((m.id, d) in done for m, d, _ in chosen), len(pending)), flush=True)
        if pending:
            first = Worker(SRC, args.work, 0, args, invariant_ids())
            first.baseline(first.setup())
        if pending and not run_selection(args, pending, invariant_ids()):
            print("mutation: a worker failed (see above)", file=sys.stderr)
            return 2
        done, other_mode = load_state(args.state, args.mode)
    universe = everything if args.report_all else chosen
    print(report.render(universe, equivalent, done, len(everything), args, other_mode))
    survivors = [m for m, d, _ in universe
                 if m.id not in equivalent and done.get((m.id, d), {}).get("status") == "survived"]
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
