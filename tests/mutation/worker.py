"""One worker: its own copy of the source tree and its own build, in which it
compiles a mutant, tries the kill stages cheapest first and puts the file back.

Stages, each run only if the ones before it did not kill the mutant:
  replay  every fuzz target's replay program over its own corpus and regressions
  tests   ctest, all but the corpus replays (stopping at the first failure)
  fuzz    each libFuzzer target for a bounded time (the survivors only)
"""
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import generate

TARGETS = ["default", "config", "misuse", "fault", "interleave", "trace_parser"]
# trace_parser runs the trace parser, not the heap: no use against alloc/ mutants
HEAP_TARGETS = ["default", "config", "misuse", "fault", "interleave"]
CMAKE_OPTIONS = [
    "-G", "Ninja", "-DCMAKE_BUILD_TYPE=RelWithDebInfo", "-DCMAKE_C_COMPILER=clang",
    "-DPA_SANITIZE=ON", "-DPA_FUZZ_ENGINE=libfuzzer", "-DPA_BUILD_TESTS=ON", "-DPA_BUILD_BENCH=OFF",
]
FAILURE = re.compile(r"^=== poolalloc fuzz failure: (\S+) ===$", re.M)
# PA_ASSERT (alloc/src/pa_assert.h): the allocator's own check, by its place
PA_ASSERT = re.compile(r"^poolalloc: (\S+):(\d+): internal assertion failed: ", re.M)
SANITIZER = re.compile(r"ERROR: (\w+Sanitizer): ([\w-]+)")
UBSAN = re.compile(r"runtime error: ([^\n]{0,80})")
LIBFUZZER = re.compile(r"libFuzzer: ([a-z -]+)")
FAILED_TEST = re.compile(r"^\s*\d+ - (\S+) \((\w+)\)", re.M)
SHA1_NAME = re.compile(r"^[0-9a-f]{40}$")
WORD = re.compile(r"\b[A-Z][A-Z0-9_]{3,}\b")
# ctest's own lines name tests, and a regression test's name holds the
# identifier its case once failed with: they say nothing of this failure.
CTEST_PROGRESS = re.compile(r"^\s*(Start\s+\d+: |\d+/\d+ Test\s+#\d+: |\d+ - \S+ \(\w+\)$).*\n?", re.M)


class Stillborn(Exception):
    """The mutant does not compile."""


running = []


def stop_running(*_):
    """SIGTERM: the command under way dies with the worker, whose finally
    blocks then put the mutated file back."""
    for p in running:
        os.killpg(p.pid, signal.SIGKILL)
    raise SystemExit(1)


def run(cmd, cwd=None, timeout=None, env=None):
    """(exit status or None on timeout, output); a timed-out command's whole
    process group is killed."""
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        running.append(p)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            rc = None
        finally:
            running.remove(p)
        out.seek(0)
        return rc, out.read().decode("utf-8", "replace")


def tracked_files(src):
    rc, out = run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=src)
    if rc != 0:
        raise SystemExit("mutation: git ls-files failed in %s" % src)
    return [f for f in out.split("\0") if f and os.path.isfile(os.path.join(src, f))]


def sync_tree(src, tree):
    """Copies src's files (committed or not) into tree, rewriting only those
    that differ so the build stays incremental; returns a digest of the tree."""
    digest = hashlib.sha256()
    for rel in sorted(tracked_files(src)):
        with open(os.path.join(src, rel), "rb") as f:
            data = f.read()
        digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
        dst = os.path.join(tree, rel)
        try:
            with open(dst, "rb") as f:
                same = f.read() == data
        except OSError:
            same = False
        if not same:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:      # a new mtime, so the build sees the change
                f.write(data)
            shutil.copymode(os.path.join(src, rel), dst)
    return digest.hexdigest()


def code_digest(obj):
    """A digest of an object file without its debug sections: DWARF 5 holds
    each source file's MD5, so a change under an inactive #if would differ."""
    with tempfile.NamedTemporaryFile(suffix=".o") as tmp:
        rc, out = run(["objcopy", "--strip-debug", obj, tmp.name])
        if rc != 0:
            raise SystemExit("mutation: objcopy failed on %s: %s" % (obj, out))
        return hashlib.sha256(tmp.read()).digest()


def test_output(ctest_output):
    """What the failing test printed: ctest's output without its progress
    and summary lines."""
    return CTEST_PROGRESS.sub("", ctest_output)


def classify(output, invariants):
    """(class, detail): 'named' when the output names an invariant, an
    oracle failure kind (OP_HANG and OP_CRASH among them: the op watchdog's)
    or a failed PA_ASSERT, else 'sanitizer', 'test assertion' or 'crash'."""
    m = FAILURE.search(output)
    if m:
        return "named", m.group(1)
    m = PA_ASSERT.search(output)
    if m:
        return "named", "PA_ASSERT %s:%s" % (os.path.basename(m.group(1)), m.group(2))
    m = SANITIZER.search(output)
    if m:
        return "sanitizer", "%s: %s" % m.groups()
    m = UBSAN.search(output)
    if m:
        return "sanitizer", "UBSan: " + m.group(1)
    named = sorted({w for w in WORD.findall(output) if w in invariants})
    if named:
        return "named", ",".join(named[:3])
    m = LIBFUZZER.search(output)
    if m:
        what = m.group(1).strip()
        return ("timeout" if what.startswith("timeout") else "crash"), "libFuzzer: " + what
    return "crash", ""


def excerpt(output, lines=12):
    """The lines of a failure worth reading in a report."""
    keep = [l for l in output.splitlines() if l.strip() and not l.startswith(("INFO:", "#"))]
    for marker in ("=== poolalloc fuzz failure", "ERROR:", "runtime error", "FAILED", "ERROR", "Assert"):
        for i, l in enumerate(keep):
            if marker in l:
                return "\n".join(keep[i:i + lines])
    return "\n".join(keep[-lines:])


class Worker:
    def __init__(self, src, work, index, opts, invariants):
        self.src = src
        self.tree = os.path.join(work, "tree-%d" % index)
        self.build = os.path.join(self.tree, "build", "mutation")
        self.opts = opts
        self.invariants = invariants
        self.targets = [t for t in TARGETS if t in opts.targets]
        self.objects = {}

    # ---- the tree and its build ---------------------------------------
    def setup(self):
        os.makedirs(self.tree, exist_ok=True)
        digest = sync_tree(self.src, self.tree)
        if not os.path.exists(os.path.join(self.build, "build.ninja")):
            rc, out = run(["cmake", "-S", self.tree, "-B", self.build] + CMAKE_OPTIONS)
            if rc != 0:
                raise SystemExit("mutation: cmake failed:\n" + out[-3000:])
        self.ninja([], "the unmutated tree does not build")
        self.targets = [t for t in self.targets
                        if os.path.exists(os.path.join(self.build, "fuzz", "fuzz_%s_replay" % t))]
        self.objects = self.object_hashes(0)
        return digest

    def baseline(self, digest):
        """The stages on the unmutated tree must all pass, or every mutant
        would count as killed; the verdict is kept per tree digest."""
        stages = self.stages()
        mark = os.path.join(self.build, "baseline-%s-%s-%d-%s" % (
            digest[:16], "+".join(name for name, _ in stages), self.opts.fuzz_seconds, self.opts.fuzz_corpus))
        if os.path.exists(mark):
            return
        for name, fn in stages:
            hit = fn()
            if hit:
                where, rc, out = hit
                raise SystemExit("mutation: the unmutated tree fails the %s stage (%s):\n%s"
                                 % (name, where, excerpt(out, 30)))
        open(mark, "w").close()

    def ninja(self, targets, error):
        rc, out = run(["ninja", "-C", self.build, "-j", str(self.opts.build_jobs)] + targets, timeout=900)
        if rc != 0:
            if error:
                raise SystemExit("mutation: %s:\n%s" % (error, out[-3000:]))
            raise Stillborn(out)

    def object_hashes(self, since):
        found = {}
        for root, _, files in os.walk(self.build):
            for f in files:
                if f.endswith(".o"):
                    p = os.path.join(root, f)
                    if os.stat(p).st_mtime >= since:
                        found[p] = code_digest(p)
        return found

    def replay_targets(self):
        return ["fuzz/fuzz_%s_replay" % t for t in self.targets]

    # ---- the stages -------------------------------------------------------
    def stages(self):
        """(name, function) of the stages this run tries, cheapest first."""
        stages = []
        if not self.opts.no_replay:
            stages.append(("replay", self.stage_replay))
        if not self.opts.no_tests:
            stages.append(("tests", lambda: (self.ninja([], None), self.stage_tests())[1]))
        if self.opts.fuzz_seconds > 0:
            stages.append(("fuzz", self.stage_fuzz))
        return stages

    def corpus_dirs(self, target):
        dirs = [os.path.join(self.tree, "corpus", target),
                os.path.join(self.tree, "corpus", "regressions", target)]
        return [d for d in dirs if os.path.isdir(d)]

    def stage_replay(self):
        for t in self.targets:
            exe = os.path.join(self.build, "fuzz", "fuzz_%s_replay" % t)
            rc, out = run([exe] + self.corpus_dirs(t), timeout=self.opts.replay_timeout)
            if rc != 0:
                return t, rc, out
        return None

    def stage_tests(self):
        rc, out = run(["ctest", "--test-dir", self.build, "-E", r"^(fuzz\.replay\.|mutation\.)", "--stop-on-failure",
                       "--output-on-failure", "-j1", "--timeout", str(self.opts.test_timeout)],
                      timeout=self.opts.test_timeout * 4)
        if rc != 0:
            m = FAILED_TEST.search(out)
            return (m.group(1) if m else "ctest"), rc, out
        return None

    def fuzz_corpus(self, target, scratch):
        """The corpus directories libFuzzer starts from: a scratch one it may
        write, then the shipped corpus, its seeds only, or nothing."""
        os.makedirs(scratch)
        dirs = [scratch]
        shipped = os.path.join(self.tree, "corpus", target)
        if self.opts.fuzz_corpus == "merged":
            dirs += self.corpus_dirs(target)
        elif self.opts.fuzz_corpus == "seeds" and os.path.isdir(shipped):
            for f in sorted(os.listdir(shipped)):
                if not SHA1_NAME.match(f):      # hand-written: libFuzzer names its finds by SHA-1
                    shutil.copy(os.path.join(shipped, f), scratch)
        return dirs

    def stage_fuzz(self):
        self.ninja(["fuzz/fuzz_%s" % t for t in self.targets], None)
        for t in self.targets:
            scratch = tempfile.mkdtemp(prefix="fuzz-", dir=self.tree)
            try:
                corpus = self.fuzz_corpus(t, os.path.join(scratch, "corpus"))
                # a generous per-input limit: on a loaded machine a slow input is not a hang
                cmd = [os.path.join(self.build, "fuzz", "fuzz_" + t), "-seed=1", "-timeout=60",
                       "-rss_limit_mb=2048", "-max_total_time=%d" % self.opts.fuzz_seconds,
                       "-artifact_prefix=%s/" % scratch, "-print_final_stats=0"]
                dict_ = os.path.join(self.tree, "corpus", "dict", t + ".dict")
                if os.path.exists(dict_):
                    cmd.append("-dict=" + dict_)
                rc, out = run(cmd + corpus, timeout=self.opts.fuzz_seconds + 120)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            if rc != 0:
                return t, rc, out
        return None

    # ---- one mutant -----------------------------------------------------
    def try_mutant(self, mutant, digest):
        path = os.path.join(self.tree, mutant.path)
        with open(path) as f:
            original = f.read()
        if generate.source_digest(original) != digest:
            raise SystemExit("mutation: %s changed since the mutants were generated; run again" % mutant.path)
        result = {"id": mutant.id}
        start = time.time()
        times = {}
        try:
            with open(path, "w") as f:
                f.write(mutant.apply(original))
            result.update(self.kill(mutant, start, times))
        finally:
            with open(path, "w") as f:
                f.write(original)
        result["seconds"] = round(time.time() - start, 2)
        result["stage_seconds"] = times
        return result

    def kill(self, mutant, start, times):
        def timed(name, fn):
            t0 = time.time()
            try:
                return fn()
            finally:
                times[name] = round(time.time() - t0, 2)

        header = mutant.path.endswith(".h")
        try:
            timed("build", lambda: self.ninja([] if header else self.replay_targets(), None))
        except Stillborn as e:
            return {"status": "stillborn", "detail": excerpt(e.args[0], 6)}
        rebuilt = self.object_hashes(start)
        if rebuilt and all(self.objects.get(p) == h for p, h in rebuilt.items()):
            return {"status": "identical"}
        for name, fn in self.stages():
            try:
                hit = timed(name, fn)
            except Stillborn as e:
                return {"status": "stillborn", "detail": excerpt(e.args[0], 6)}
            if hit:
                where, rc, out = hit
                judged = test_output(out) if name == "tests" else out
                kind, detail = ("timeout", "") if rc is None else classify(judged, self.invariants)
                if name == "tests" and kind == "crash" and re.search(r"\(Failed\)", out):
                    kind = "test assertion"     # a test's own check failed, not a signal
                if name == "tests" and detail.startswith("LeakSanitizer") and "[  FAILED  ]" in out:
                    kind = "test assertion"     # the leak is the teardown a failed assertion skipped
                return {"status": "killed", "stage": name, "by": where, "kind": kind, "detail": detail,
                        "output": excerpt(out)}
        return {"status": "survived"}
