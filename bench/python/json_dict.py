"""A json- and dict-heavy CPython workload for bench/python.sh: records
built as dicts, serialised, parsed back, indexed and merged. Prints a
checksum so every allocator's run can be seen to do the same work."""
import json


def records(n, seed):
    out = []
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out.append({
            "id": i,
            "name": "user%d" % (x % 10007),
            "score": x % 1000 / 10.0,
            "tags": ["t%d" % (x % 17), "t%d" % (x % 31)],
            "attrs": {"a%d" % k: k * i for k in range(x % 6)},
        })
    return out


def round_trip(rows):
    text = json.dumps(rows)
    back = json.loads(text)
    by_name = {}
    for r in back:
        by_name.setdefault(r["name"], []).append(r)
    tag_count = {}
    for r in back:
        for t in r["tags"]:
            tag_count[t] = tag_count.get(t, 0) + 1
    merged = {}
    for r in back:
        merged.update(r["attrs"])
    return len(text) + len(by_name) + sum(tag_count.values()) + len(merged)


def main():
    total = 0
    for seed in range(2):
        total += round_trip(records(10000, seed))
    print(total)


main()
