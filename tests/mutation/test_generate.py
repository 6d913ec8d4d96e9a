"""The generator on a small C file: which tokens and statements it mutates,
which it leaves alone, and that its ids are stable."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate  # noqa: E402

SOURCE = """#include <stddef.h>
#define LIMIT (16 + 1)
/* a < b in a comment, x = 1; */
_Static_assert(LIMIT == 17, "a < b");
static int f(int *p, int a, int b) {
    int *q = p;
    size_t n = a * b;
    if (a < b && *p)
        a++;
    do {
        g("x < y", 0x10u);
    } while (a != b);
    *q = a & b;
    h(&a,
      b);
    return !n;
}
"""


class Generator(unittest.TestCase):
    def setUp(self):
        self.mutants = generate.mutants_of("f.c", SOURCE)
        self.ids = [m.id for m in self.mutants]

    def lines_of(self, op):
        return {m.line for m in self.mutants if m.operator == op}

    def test_ids_are_stable_and_unique(self):
        self.assertEqual(self.ids, [m.id for m in generate.mutants_of("f.c", SOURCE)])
        self.assertEqual(len(self.ids), len(set(self.ids)))

    def test_relational_operators_are_negated_and_shifted(self):
        self.assertIn("f.c:8:11:ROR:<:>=", self.ids)
        self.assertIn("f.c:8:11:BND:<:<=", self.ids)
        self.assertIn("f.c:12:16:ROR:!=:==", self.ids)

    def test_comments_strings_includes_and_static_asserts_are_left_alone(self):
        self.assertFalse({1, 3, 4} & {m.line for m in self.mutants})
        self.assertNotIn("f.c:11:12:ROR:<:>=", self.ids)   # inside "x < y"

    def test_a_define_body_is_mutated(self):
        self.assertIn("f.c:2:19:AOR:+:-", self.ids)
        self.assertIn("f.c:2:16:CRP:16:17", self.ids)

    def test_spaced_binary_operators_only(self):
        aor = {(m.line, m.col) for m in self.mutants if m.operator == "AOR"}
        self.assertIn((7, 18), aor)          # a * b
        self.assertIn((13, 12), aor)         # a & b
        self.assertNotIn((6, 10), aor)       # int *q
        self.assertNotIn((14, 7), aor)       # &a

    def test_constants_keep_their_base_and_suffix(self):
        self.assertIn("f.c:11:20:CRP:0x10u:0x11u", self.ids)
        self.assertIn("f.c:11:20:CRP:0x10u:0xfu", self.ids)

    def test_conditions_are_negated_but_not_a_do_while(self):
        self.assertIn("f.c:8:8:NEG:if:!if", self.ids)
        self.assertIn("f.c:16:12:NEG:!:", self.ids)
        self.assertFalse([i for i in self.ids if ":NEG:while:" in i])

    def test_statements_deleted_are_assignments_increments_and_calls(self):
        sdl = {m.line: m.id.split(":")[4] for m in self.mutants if m.operator == "SDL"}
        self.assertEqual(sdl, {9: "incr", 11: "call", 13: "assign", 14: "call"})

    def test_a_deleted_statement_keeps_the_line_count(self):
        m = next(m for m in self.mutants if m.operator == "SDL" and m.line == 14)
        mutated = m.apply(SOURCE)
        self.assertEqual(mutated.count("\n"), SOURCE.count("\n"))
        self.assertNotIn("h(&a", mutated)


if __name__ == "__main__":
    unittest.main()
