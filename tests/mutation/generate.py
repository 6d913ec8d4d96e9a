"""The mutants of a C file: a tokenizer that knows comments, strings and
preprocessor lines, and the classic operators applied token by token.

A mutant's id is file:line:col:OPERATOR:from:to (1-based line and column of
the first character replaced), so the same source always gives the same ids
in the same order. Operators:
  ROR  a relational operator negated         (<  ->  >=, == -> !=, ...)
  BND  a boundary shifted                    (<  ->  <=, >= -> >, ...)
  AOR  a binary arithmetic or bit operator   (+ -> -, << -> >>, & -> |, ...)
  ASG  a compound assignment                 (+= -> -=, |= -> &=, ...)
  INC  an increment turned into a decrement  (++ -> --, -- -> ++)
  LCR  a logical connector                   (&& -> ||, || -> &&)
  CRP  an integer constant plus or minus one (16 -> 17, 16 -> 15)
  NEG  an if/while condition negated, or a ! removed
  SDL  a statement deleted: an assignment, an increment or a call
"""
import hashlib
import re
from dataclasses import dataclass

TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<comment>/\*.*?\*/|//[^\n]*)
  | (?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
  | (?P<number>(?:0[xX][0-9a-fA-F]+|\d+)(?:[uUlL]*)(?![.\w]))
  | (?P<float>\d+\.\d*(?:[eE][-+]?\d+)?[fFlL]?|\d+[eE][-+]?\d+[fFlL]?)
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<op><<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^]=|\.\.\.|[-+*/%&|^!~<>=?:;,.(){}\[\]\#])
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

KEYWORDS = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
    "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "_Alignof", "_Alignas", "_Bool", "_Static_assert", "static_assert", "_Noreturn",
    "_Thread_local", "__attribute__", "alignof",
}
DECL_START = KEYWORDS - {"break", "case", "continue", "default", "do", "else", "for", "goto", "if",
                         "return", "sizeof", "switch", "while", "_Alignof", "alignof"}

ROR = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
BND = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
AOR = {"+": "-", "-": "+", "*": "/", "/": "*", "%": "*", "<<": ">>", ">>": "<<", "&": "|", "|": "&", "^": "&"}
ASG = {"+=": "-=", "-=": "+=", "*=": "/=", "/=": "*=", "%=": "*=", "|=": "&=", "&=": "|=", "^=": "|=",
       "<<=": ">>=", ">>=": "<<="}
INC = {"++": "--", "--": "++"}
LCR = {"&&": "||", "||": "&&"}
ASSIGN_OPS = {"="} | set(ASG)
# Ambiguous with a unary operator or a declarator unless spaced on both sides.
SPACED_ONLY = {"*", "&"}


@dataclass
class Token:
    kind: str
    text: str
    start: int
    end: int
    directive: bool = False   # in a preprocessor line other than a #define body
    macro: bool = False       # in a #define body
    static_assert: bool = False


@dataclass(frozen=True)
class Mutant:
    id: str
    path: str
    line: int
    col: int
    start: int
    end: int
    replacement: str

    @property
    def operator(self):
        return self.id.split(":")[3]

    def apply(self, source):
        return source[:self.start] + self.replacement + source[self.end:]


def tokenize(source):
    tokens = []
    for m in TOKEN.finditer(source):
        kind = m.lastgroup
        if kind in ("ws", "comment"):
            continue
        tokens.append(Token(kind, m.group(), m.start(), m.end()))
    mark_preprocessor(source, tokens)
    mark_static_asserts(tokens)
    return [t for t in tokens if not t.directive]


def line_start(source, pos):
    return source.rfind("\n", 0, pos) + 1


def mark_preprocessor(source, tokens):
    """A directive runs to the first newline not escaped by a backslash; only
    a #define's body (after its name and parameters) is code to mutate."""
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.text != "#" or source[line_start(source, t.start):t.start].strip():
            i += 1
            continue
        end = t.start
        while True:
            nl = source.find("\n", end)
            if nl < 0:
                end = len(source)
                break
            if source[nl - 1] != "\\":
                end = nl
                break
            end = nl + 1
        j = i
        while j < len(tokens) and tokens[j].start < end:
            tokens[j].directive = True
            j += 1
        if i + 2 < j and tokens[i + 1].text == "define":
            body = i + 3
            if body < j and tokens[body].text == "(" and tokens[body].start == tokens[i + 2].end:
                while body < j and tokens[body].text != ")":
                    body += 1
                body += 1
            for k in range(body, j):
                tokens[k].directive = False
                tokens[k].macro = True
        i = j


def matching(tokens, i):
    """The index of the bracket closing tokens[i]."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].text in pairs:
            depth += 1
        elif tokens[j].text in pairs.values():
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


def mark_static_asserts(tokens):
    for i, t in enumerate(tokens):
        if t.text in ("_Static_assert", "static_assert") and i + 1 < len(tokens):
            for k in range(i, matching(tokens, i + 1) + 1):
                tokens[k].static_assert = True


def is_operand_end(t):
    return (t.kind in ("number", "float", "string") or (t.kind == "ident" and t.text not in KEYWORDS)
            or t.text in (")", "]"))


def is_binary(source, tokens, i):
    t = tokens[i]
    if i == 0 or not is_operand_end(tokens[i - 1]):
        return False
    if t.text in SPACED_ONLY:
        return source[t.start - 1:t.start].isspace() and source[t.end:t.end + 1].isspace()
    return True


def plus_minus_one(text):
    digits = text.rstrip("uUlL")
    suffix = text[len(digits):]
    hexa = digits[:2].lower() == "0x"
    value = int(digits, 16 if hexa else 8 if len(digits) > 1 and digits[0] == "0" else 10)
    out = []
    for v in (value + 1, value - 1):
        if v < 0:
            continue
        if hexa:
            out.append("0x%x%s" % (v, suffix))
        elif len(digits) > 1 and digits[0] == "0":
            out.append("0%o%s" % (v, suffix))
        else:
            out.append("%d%s" % (v, suffix))
    return out


def statements(tokens):
    """(first, last) token indices of every expression statement inside a
    brace, the last being its ';'."""
    found = []
    depth = 0
    init_braces = []
    start_next = False
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.macro:
            i += 1
            continue
        if t.text == "{":
            prev = tokens[i - 1].text if i else ""
            init_braces.append(prev in ("=", ",", "{", "(") or prev == "]")
            depth += 1
            start_next = not init_braces[-1]
            i += 1
            continue
        if t.text == "}":
            depth -= 1
            was_init = init_braces.pop() if init_braces else False
            start_next = not was_init
            i += 1
            continue
        if t.text in ("if", "while", "for", "switch") and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            i = matching(tokens, i + 1) + 1
            start_next = True
            continue
        if t.text in ("else", "do"):
            start_next = True
            i += 1
            continue
        if t.text == "case" or (t.text == "default" and i + 1 < len(tokens) and tokens[i + 1].text == ":"):
            while i < len(tokens) and tokens[i].text != ":":
                i += 1
            start_next = True
            i += 1
            continue
        if start_next and depth > 0 and not (init_braces and init_braces[-1]):
            start_next = False
            if t.kind == "ident" and i + 1 < len(tokens) and tokens[i + 1].text == ":":
                start_next = True      # a label
                i += 2
                continue
            j = i
            while j < len(tokens) and tokens[j].text != ";":
                if tokens[j].text in ("(", "[", "{"):
                    j = matching(tokens, j)
                j += 1
            if j < len(tokens):
                found.append((i, j))
            i = j
            continue
        if t.text == ";":
            start_next = True
        i += 1
    return found


def statement_kind(source, tokens, first, last):
    t = tokens[first]
    body = tokens[first:last]
    if t.text in ("++", "--"):
        return "incr"
    if t.kind == "ident" and t.text in KEYWORDS and t.text not in ("void",):
        return None
    if t.kind == "ident" and first + 1 < last:
        nxt = tokens[first + 1]
        if nxt.kind == "ident" or t.text in DECL_START:
            return None        # a declaration
        if nxt.text == "*" and not source[nxt.end:nxt.end + 1].isspace():
            return None        # a pointer declaration
    if t.kind == "ident" and "assert" in t.text.lower():
        return None
    depth = 0
    for k, b in enumerate(body):
        if b.text in ("(", "[", "{"):
            depth += 1
        elif b.text in (")", "]", "}"):
            depth -= 1
        elif depth == 0 and b.text in ASSIGN_OPS:
            return "assign"
        elif depth == 0 and b.text in ("++", "--") and k == len(body) - 1:
            return "incr"
    b0 = first + 3 if t.text == "(" and last - first > 3 and tokens[first + 1].text == "void" else first
    if tokens[b0].kind == "ident" and tokens[b0 + 1].text == "(" and matching(tokens, b0 + 1) == last - 1:
        return "call"
    return None


def mutants_of(path, source):
    tokens = tokenize(source)
    out = []

    def add(start, end, op, frm, to, replacement):
        line = source.count("\n", 0, start) + 1
        col = start - line_start(source, start) + 1
        out.append(Mutant("%s:%d:%d:%s:%s:%s" % (path, line, col, op, frm, to), path, line, col,
                          start, end, replacement))

    for i, t in enumerate(tokens):
        if t.static_assert:
            continue
        s = t.text
        if s in ROR and t.kind == "op":
            add(t.start, t.end, "ROR", s, ROR[s], ROR[s])
            if s in BND:
                add(t.start, t.end, "BND", s, BND[s], BND[s])
        elif s in AOR and t.kind == "op" and is_binary(source, tokens, i):
            add(t.start, t.end, "AOR", s, AOR[s], AOR[s])
        elif s in ASG:
            add(t.start, t.end, "ASG", s, ASG[s], ASG[s])
        elif s in INC:
            add(t.start, t.end, "INC", s, INC[s], INC[s])
        elif s in LCR:
            add(t.start, t.end, "LCR", s, LCR[s], LCR[s])
        elif t.kind == "number":
            for v in plus_minus_one(s):
                add(t.start, t.end, "CRP", s, v, v)
        elif s == "!" and not t.macro:
            add(t.start, t.end, "NEG", "!", "", "")
        elif s in ("if", "while") and not t.macro and i + 1 < len(tokens) and tokens[i + 1].text == "(":
            if i and tokens[i - 1].text == "}" and s == "while":
                continue        # do { } while (c): its condition, left to ROR and LCR
            open_, close = tokens[i + 1], tokens[matching(tokens, i + 1)]
            cond = source[open_.end:close.start]
            add(open_.start, close.end, "NEG", s, "!" + s, "(!(%s))" % cond)
    for first, last in statements(tokens):
        if tokens[first].static_assert:
            continue
        kind = statement_kind(source, tokens, first, last)
        if kind:
            start, end = tokens[first].start, tokens[last].end
            # the same line count keeps the object's debug lines, so an
            # unchanged object still means unchanged code
            add(start, end, "SDL", kind, "deleted", ";" + "\n" * source.count("\n", start, end))
    out.sort(key=lambda m: (m.line, m.col, m.id))
    return out


def source_digest(text):
    """What a mutant's position is valid for: its file's content."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def diff_line(source, mutant):
    """The mutated line(s), before and after, for a report."""
    a = line_start(source, mutant.start)
    b = source.find("\n", mutant.end)
    b = len(source) if b < 0 else b
    before = source[a:b]
    after = source[a:mutant.start] + mutant.replacement + source[mutant.end:b]
    return "\n".join(["- " + x for x in before.split("\n")] + ["+ " + x for x in after.split("\n")])
