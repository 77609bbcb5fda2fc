#!/usr/bin/env python3
"""Generates the item lists of guifan's peer benchmark (docs/PERFORMANCE.md, "Peer benchmark").

    python3 benches/peers/generate.py --out DIR [--seed S] [--sizes 10,10000,100000]

For each size N it writes one department with N items, the same data three ways:
  DIR/items-N.yaml       block YAML
  DIR/items-N.flow.yaml  flow YAML, one item per line
  DIR/items-N.json       JSON, indented by two spaces
and DIR/items-N.expected, the planted violations, one "INDEX RULE" line each, sorted: the
findings every tool must report, no more, no fewer.

About 1% of the items violate exactly one of the five rules (at least one item per rule, so
that the 10-item list has five of ten), each rule in turn; the kinds of violation vary (a legal
basis removed or empty, a name removed or empty, a task type of one, three or full-width
digits ...). Other items carry look-alikes that violate nothing: limits in different units with
the promised value above the statutory one, an item without a window, two legal bases. The same
seed and size give byte-identical files (one random.Random(seed) stream per size).
"""

import argparse
import json
import os
import random
import sys

RULES = ["legal-basis", "task-type", "name", "window", "limit"]

SUBJECTS = ["食品经营", "药品零售", "建设工程规划", "排污", "道路运输经营", "医疗机构执业",
            "民办学校办学", "特种设备使用", "危险化学品经营", "林木采伐", "取水", "出版物零售",
            "娱乐场所经营", "人力资源服务", "劳务派遣经营", "燃气经营", "城市绿化", "户外广告设置"]
ACTS = ["许可", "登记", "备案", "核准", "审批", "变更", "延续", "注销"]
LAWS = ["中华人民共和国行政许可法", "中华人民共和国食品安全法", "中华人民共和国药品管理法",
        "中华人民共和国城乡规划法", "中华人民共和国环境保护法", "中华人民共和国道路运输条例",
        "医疗机构管理条例", "中华人民共和国民办教育促进法", "中华人民共和国特种设备安全法",
        "危险化学品安全管理条例", "中华人民共和国森林法", "中华人民共和国水法",
        "出版管理条例", "娱乐场所管理条例", "人力资源市场暂行条例", "城镇燃气管理条例"]
TASK_TYPES = ["01", "01", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20"]
WINDOWS = [("W01", "综合受理窗口一"), ("W02", "综合受理窗口二"), ("W03", "工程建设窗口"),
           ("W04", "市场准入窗口"), ("W05", "社会事务窗口"), ("W06", "出件窗口")]
# A task type that is not two ASCII digits: too short, too long, a letter, full-width digits.
BAD_TASK_TYPES = ["1", "011", "0A", "０１"]

RATE = 0.01


def item(rng, n):
    """A valid item: every rule holds."""
    statutory = rng.choice([5, 10, 15, 20, 30, 45, 60])
    promised = rng.randint(1, statutory)
    basis = [{"title": rng.choice(LAWS), "article": f"第{rng.randint(1, 90)}条"}]
    return {
        "name": f"{rng.choice(SUBJECTS)}{rng.choice(ACTS)}（{n + 1}）",
        "task_type": rng.choice(TASK_TYPES),
        "legal_basis": basis,
        "window": rng.choice(WINDOWS)[0],
        "promised_limit": {"value": promised, "unit": "working_days"},
        "statutory_limit": {"value": statutory, "unit": "working_days"},
    }


def decoy(rng, it):
    """Something that looks like a violation and is none, on about 3% of the items."""
    roll = rng.random()
    if roll < 0.015:
        # Different units: the rule compares only limits in the same unit.
        it["statutory_limit"] = {"value": it["statutory_limit"]["value"], "unit": "natural_days"}
        it["promised_limit"]["value"] = it["statutory_limit"]["value"] + rng.randint(1, 10)
    elif roll < 0.02:
        del it["window"]  # no window: nothing to look up
    elif roll < 0.03:
        it["legal_basis"].append({"title": rng.choice(LAWS), "article": f"第{rng.randint(1, 90)}条"})


def plant(rng, it, rule):
    """Makes `it` violate `rule`, and only it."""
    if rule == "legal-basis":
        if rng.random() < 0.5:
            del it["legal_basis"]
        else:
            it["legal_basis"] = []
    elif rule == "task-type":
        it["task_type"] = rng.choice(BAD_TASK_TYPES)
    elif rule == "name":
        if rng.random() < 0.5:
            del it["name"]
        else:
            it["name"] = ""
    elif rule == "window":
        it["window"] = f"W{rng.randint(7, 99):02d}"
    elif rule == "limit":
        statutory = it["statutory_limit"]["value"]
        it["promised_limit"]["value"] = statutory + rng.randint(1, 10)
    else:
        raise ValueError(rule)


def dossier(seed, size):
    rng = random.Random(seed * 1_000_003 + size)
    planted_count = max(len(RULES), round(size * RATE))
    positions = rng.sample(range(size), min(planted_count, size))
    planted = {index: RULES[k % len(RULES)] for k, index in enumerate(positions)}
    items = []
    for n in range(size):
        it = item(rng, n)
        if n in planted:
            plant(rng, it, planted[n])
        else:
            decoy(rng, it)
        items.append(it)
    doc = {
        "department": {
            "name": "某市市场监督管理局",
            "windows": [{"id": i, "name": name} for i, name in WINDOWS],
        },
        "items": items,
    }
    return doc, planted


# --- writers --------------------------------------------------------------------------------

RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def scalar(value):
    """A YAML scalar: plain where YAML reads the text back as the same string, else quoted."""
    if isinstance(value, bool) or value is None:
        raise TypeError(value)
    if isinstance(value, int):
        return str(value)
    plain = (
        value
        and value.lower() not in RESERVED
        and not value[0].isdigit()
        and value[0] not in "-?:,[]{}#&*!|>'\"%@` "
        and not any(c in value for c in ":#,[]{}'\"\n\t")
        and value == value.strip()
    )
    return value if plain else json.dumps(value, ensure_ascii=False)


def task_type(value):
    # Written quoted, as a clerk writes a code ('01' unquoted is a number in YAML).
    return "'" + value.replace("'", "''") + "'"


def flow(value, key=None):
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v, k)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return task_type(value) if key == "task_type" else scalar(value)


def block(value, indent, out, key=None):
    """Writes the value of a mapping entry (after "key:") in block style."""
    pad = " " * indent
    if isinstance(value, dict):
        out.append("\n")
        for k, v in value.items():
            out.append(f"{pad}{k}:")
            block(v, indent + 2, out, k)
    elif isinstance(value, list):
        if not value:
            out.append(" []\n")
            return
        out.append("\n")
        for v in value:
            if isinstance(v, dict):
                first = True
                for k, w in v.items():
                    out.append(f"{pad}- {k}:" if first else f"{pad}  {k}:")
                    block(w, indent + 4, out, k)
                    first = False
            else:
                out.append(f"{pad}- {scalar(v)}\n")
    else:
        out.append(f" {task_type(value) if key == 'task_type' else scalar(value)}\n")


def write_block(doc, path):
    out = []
    for k, v in doc.items():
        out.append(f"{k}:")
        block(v, 2, out, k)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("".join(out))


def write_flow(doc, path):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("{department: " + flow(doc["department"]) + ",\n items: [\n")
        items = doc["items"]
        for n, it in enumerate(items):
            f.write("  " + flow(it) + ("," if n + 1 < len(items) else "") + "\n")
        f.write("]}\n")


def write_json(doc, path):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--sizes", default="10,10000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    os.makedirs(args.out, exist_ok=True)
    for size in sizes:
        if size < 1:
            sys.exit(f"generate.py: a size must be at least 1, not {size}")
        doc, planted = dossier(args.seed, size)
        base = os.path.join(args.out, f"items-{size}")
        write_block(doc, base + ".yaml")
        write_flow(doc, base + ".flow.yaml")
        write_json(doc, base + ".json")
        with open(base + ".expected", "w", encoding="utf-8", newline="\n") as f:
            for index, rule in sorted(planted.items()):
                f.write(f"{index} {rule}\n")
        counts = ", ".join(f"{r} {sum(1 for v in planted.values() if v == r)}" for r in RULES)
        print(f"items-{size}: {size} items, {len(planted)} planted ({counts})")


if __name__ == "__main__":
    main()
