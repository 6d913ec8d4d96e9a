"""The worker's verdict on a kill: what counts as naming the fault; the
stages a run's options select, and the state file's modes kept apart."""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402
import runner  # noqa: E402
import worker  # noqa: E402

INVARIANTS = {"STATS_FIGURE", "POOL_FREELIST_CYCLE"}

# A unit test's assertion failed after a regression test named for an
# invariant had passed.
CTEST_ASSERTION = """      Start 15: fuzz.regression.default.STATS_FIGURE-stats_print
15/80 Test #15: fuzz.regression.default.STATS_FIGURE-stats_print ...   Passed    0.02 sec
      Start 40: unit.large_path
40/80 Test #40: unit.large_path ...***Failed    0.10 sec
[  FAILED  ] test_os_layer_maps_whole_pages
The following tests FAILED:
\t 40 - unit.large_path (Failed)
"""


class Classify(unittest.TestCase):
    def test_a_test_name_does_not_name_the_fault(self):
        kind, detail = worker.classify(worker.test_output(CTEST_ASSERTION), INVARIANTS)
        self.assertEqual((kind, detail), ("crash", ""))

    def test_the_failing_test_output_names_it(self):
        out = CTEST_ASSERTION.replace("[  FAILED  ]", "heap: POOL_FREELIST_CYCLE at pool 0x1000\n[  FAILED  ]")
        self.assertEqual(worker.classify(worker.test_output(out), INVARIANTS), ("named", "POOL_FREELIST_CYCLE"))

    def test_a_fuzz_failure_line_names_its_kind(self):
        out = "=== poolalloc fuzz failure: CONTENT_CHANGED ===\n"
        self.assertEqual(worker.classify(out, INVARIANTS), ("named", "CONTENT_CHANGED"))

    def test_the_op_watchdog_names_a_hang_before_the_sanitizer(self):
        out = ("=== poolalloc fuzz failure: OP_HANG ===\nat op 3 of 9: default_heap 100\n"
               "==1==ERROR: AddressSanitizer: ABRT on unknown address\n")
        self.assertEqual(worker.classify(out, INVARIANTS), ("named", "OP_HANG"))

    def test_an_internal_assertion_names_its_place(self):
        out = "poolalloc: /src/alloc/src/raw.c:255: internal assertion failed: capacity != 0\n"
        self.assertEqual(worker.classify(out, INVARIANTS), ("named", "PA_ASSERT raw.c:255"))


class NoReplay(unittest.TestCase):
    def stage_names(self, argv):
        w = worker.Worker("/src", "/work", 0, runner.parse_args(argv), set())
        return [name for name, _ in w.stages()]

    def test_a_normal_run_replays_the_corpus_first(self):
        self.assertEqual(self.stage_names([]), ["replay", "tests", "fuzz"])

    def test_no_replay_no_tests_leaves_fuzzing_alone(self):
        self.assertEqual(self.stage_names(["--no-replay", "--no-tests", "--fuzz-corpus", "empty"]), ["fuzz"])

    def test_no_stage_at_all_is_a_usage_error(self):
        with self.assertRaises(SystemExit) as e, contextlib.redirect_stderr(io.StringIO()):
            runner.parse_args(["--no-replay", "--no-tests", "--fuzz-seconds", "0"])
        self.assertEqual(e.exception.code, 2)

    def test_the_state_file_keeps_the_modes_apart(self):
        normal = {"id": "alloc/src/a.c:1:1:ROR:<:>=", "source": "d1", "status": "killed", "stage": "replay"}
        fuzzed = dict(normal, status="survived", stage="", mode="no-replay")
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write(json.dumps(normal) + "\n" + json.dumps(fuzzed) + "\n")
        try:
            done, other = runner.load_state(f.name, "normal")
            self.assertEqual((done[(normal["id"], "d1")]["status"], other), ("killed", 1))
            done, other = runner.load_state(f.name, "no-replay")
            self.assertEqual((done[(normal["id"], "d1")]["status"], other), ("survived", 1))
        finally:
            os.unlink(f.name)

    def test_the_report_says_its_mode_from_its_records(self):
        args = runner.parse_args(["--no-replay", "--report"])
        records = [{"tests": False, "fuzz_corpus": "seeds"}] * 2 + [{"tests": True, "fuzz_corpus": "empty"}]
        self.assertEqual(report.mode_line(args, records, 3),
                         "Mode: no corpus replay (`--no-replay`): fuzzing only, fuzzing from the seeds corpus (2); "
                         "unit tests then fuzzing, fuzzing from the empty corpus (1). The state file holds 3 "
                         "result(s) of the other mode, not in this report.")
        self.assertEqual(report.mode_line(runner.parse_args([]), [], 0), "Mode: normal (corpus replay first).")

if __name__ == "__main__":
    unittest.main()
