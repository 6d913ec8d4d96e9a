# Workload for the CPython trace in corpus/traces/python.trace (see
# trace/record.sh): dicts, lists, tuples, strings and bytes of many sizes,
# built, grown, sorted and dropped. Deterministic (no clock, no randomness
# beyond a seeded LCG).
import json


def lcg(seed):
    while True:
        seed = (seed * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        yield seed >> 33


WORDS = ["alloc", "pool", "arena", "block", "free", "size", "class", "page",
         "usable", "align", "heap", "cache", "object", "list", "dict", "tuple"]

rng = lcg(42)

# A word-frequency table over generated text: many small strings and a
# growing dict.
counts = {}
lines = []
for i in range(300):
    n = next(rng) % 12 + 1
    line = " ".join(WORDS[next(rng) % len(WORDS)] + str(next(rng) % 50) for _ in range(n))
    lines.append(line)
    for w in line.split():
        counts[w] = counts.get(w, 0) + 1
top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]

# Records: a list of dicts, round-tripped through JSON, grouped and sorted.
records = [{"id": i, "name": WORDS[i % len(WORDS)] * (i % 5 + 1),
            "tags": [WORDS[(i + k) % len(WORDS)] for k in range(i % 4)],
            "score": (next(rng) % 1000) / 10.0}
           for i in range(320)]
text = json.dumps(records)
back = json.loads(text)
groups = {}
for r in back:
    groups.setdefault(r["name"], []).append(r)
ranked = {k: sorted(v, key=lambda r: r["score"])[:5] for k, v in groups.items()}

# Strings and bytes growing by concatenation and joins; slices dropped.
parts = []
acc = ""
for i in range(300):
    acc += WORDS[i % len(WORDS)]
    if len(acc) > 300:
        parts.append(acc[: next(rng) % 300])
        acc = acc[150:]
blob = b"".join(p.encode() for p in parts)
chunks = [blob[i:i + 97] for i in range(0, len(blob), 97)]

# Nested containers, then a churn of short-lived tuples and sets.
tree = {}
for i in range(200):
    node = tree
    for depth in range(next(rng) % 5 + 1):
        node = node.setdefault(WORDS[(i * 7 + depth) % len(WORDS)], {})
    node[i] = (i, str(i), [i] * (i % 7))
seen = set()
for i in range(1000):
    t = (i % 97, WORDS[i % len(WORDS)], i * 3)
    if t[0] not in seen:
        seen.add(t[0])
    del t

print(len(counts), top[0], len(text), len(ranked), len(blob), len(chunks), len(tree), len(seen))
