"""The worker's verdict on a kill: what counts as naming the fault."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
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


if __name__ == "__main__":
    unittest.main()
