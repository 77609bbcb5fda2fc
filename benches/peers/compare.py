#!/usr/bin/env python3
"""Checks that the peer benchmark's tools report the planted findings, no more, no fewer.

    python3 benches/peers/compare.py EXPECTED TOOL:REPORT [TOOL:REPORT ...]

EXPECTED is generate.py's list of planted violations ("INDEX RULE" lines). Each REPORT is one
tool's output on the same input, TOOL one of
  guifan    guifan check --format json (findings[].rule and the item index in findings[].path)
  spectral  spectral lint --format json (code, and the item index in path[1])
  regorus   regorus-harness (JSON lines: index, rule)
Every report is reduced to its (item index, rule) pairs and compared, as a multiset, with the
expected ones. Exit code 0 when all agree, 1 (with the differences) when one does not, 2 when a
report cannot be read.
"""

import collections
import json
import re
import sys

POINTER = re.compile(r"^/items/(\d+)(/|$)")


def guifan(text):
    report = json.loads(text)
    if report["summary"].get("truncated"):
        raise ValueError("the report was truncated (--max-findings)")
    if report["summary"].get("skipped"):
        raise ValueError(f"{report['summary']['skipped']} evaluations were skipped")
    pairs = []
    for f in report["findings"]:
        m = POINTER.match(f["path"])
        pairs.append((int(m.group(1)) if m else f["path"], f["rule"]))
    return pairs


def spectral(text):
    pairs = []
    for r in json.loads(text):
        path = r["path"]
        index = int(path[1]) if len(path) > 1 and path[0] == "items" else "/" + "/".join(path)
        pairs.append((index, r["code"]))
    return pairs


def regorus(text):
    pairs = []
    for line in text.splitlines():
        if line.strip():
            v = json.loads(line)
            pairs.append((v["index"], v["rule"]))
    return pairs


READERS = {"guifan": guifan, "spectral": spectral, "regorus": regorus}


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    expected = collections.Counter()
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            index, rule = line.split()
            expected[(int(index), rule)] += 1
    failed = False
    for arg in sys.argv[2:]:
        tool, _, path = arg.partition(":")
        try:
            with open(path, encoding="utf-8") as f:
                found = collections.Counter(READERS[tool](f.read()))
        except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
            print(f"{arg}: cannot read the report: {e!r}", file=sys.stderr)
            sys.exit(2)
        missing = sorted((expected - found).elements(), key=str)
        extra = sorted((found - expected).elements(), key=str)
        if missing or extra:
            failed = True
            print(f"{arg}: {sum(found.values())} findings, {sum(expected.values())} planted", file=sys.stderr)
            for what, pairs in (("missing", missing), ("not planted", extra)):
                for index, rule in pairs[:10]:
                    print(f"  {what}: item {index}, {rule}", file=sys.stderr)
                if len(pairs) > 10:
                    print(f"  … and {len(pairs) - 10} more {what}", file=sys.stderr)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
