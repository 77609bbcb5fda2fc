#!/usr/bin/env python3
"""Extracts the cases of google/cel-spec's simple conformance tests that need no protobuf
message into JSON (one file per upstream file), for tests/cel_conformance.rs.

Usage: convert.py CEL_SPEC_CHECKOUT COMMIT OUTPUT_DIR

The textproto is read by a small parser of its own (the test files' grammar: fields, nested
messages, quoted strings with C escapes, numbers, enum names, `[type.url]` extension names), so
no protobuf installation or descriptor is needed. A case is kept when neither its expression,
its container, its bindings nor its expected value names a protobuf message; the JSON notes how
many cases of the file were left out and why.

Values are written typed: {"int": "1"}, {"uint": "1"}, {"double": 1.5 | "NaN" | "Infinity" |
"-Infinity"}, {"string": "…"}, {"bytes": [0, 255]}, {"bool": true}, {"null": null},
{"list": [...]}, {"map": [[key, value], ...]}, {"type": "int"},
{"duration": [seconds, nanos]}, {"timestamp": [seconds, nanos]}.
"""

import json
import math
import os
import re
import sys

FILES = [
    "basic", "comparisons", "conversions", "fields", "fp_math", "integer_math", "lists", "logic",
    "macros", "macros2", "parse", "plumbing", "string", "timestamps",
    "type_deduction", "encoders_ext", "math_ext", "string_ext", "bindings_ext", "block_ext",
    "optionals",
]

PROTO_NAMES = re.compile(
    r"TestAllTypes|NestedTestAllTypes|NestedMessage|NestedEnum|GlobalEnum|google\.protobuf|"
    r"cel\.expr\.conformance|TestRequired|proto2|proto3"
)


class Parser:
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def skip(self):
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c in " \t\r\n,;":
                self.pos += 1
            elif c == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                break

    def peek(self):
        self.skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def message(self, close):
        fields = []
        while True:
            c = self.peek()
            if c == close or c == "":
                self.pos += 1
                return fields
            if c == "[":
                end = self.text.index("]", self.pos)
                name = self.text[self.pos:end + 1]
                self.pos = end + 1
            else:
                m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(self.text, self.pos)
                name = m.group(0)
                self.pos = m.end()
            if self.peek() == ":":
                self.pos += 1
            c = self.peek()
            if c in "{<":
                self.pos += 1
                fields.append((name, self.message("}" if c == "{" else ">")))
            else:
                fields.append((name, self.scalar()))

    def scalar(self):
        c = self.peek()
        if c in "'\"":
            data = b""
            while self.peek() in ("'", '"'):
                data += self.string()
            return data
        m = re.compile(r"[-+]?[A-Za-z0-9_.+-]+").match(self.text, self.pos)
        self.pos = m.end()
        return m.group(0)

    def string(self):
        quote = self.text[self.pos]
        self.pos += 1
        out = bytearray()
        while True:
            c = self.text[self.pos]
            if c == quote:
                self.pos += 1
                return bytes(out)
            if c != "\\":
                out += c.encode("utf-8")
                self.pos += 1
                continue
            e = self.text[self.pos + 1]
            self.pos += 2
            simple = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11,
                      "\\": 92, "'": 39, '"': 34, "?": 63}
            if e in simple:
                out.append(simple[e])
            elif e in "xX":
                m = re.compile(r"[0-9A-Fa-f]{1,2}").match(self.text, self.pos)
                out.append(int(m.group(0), 16))
                self.pos = m.end()
            elif e in "01234567":
                m = re.compile(r"[0-7]{0,2}").match(self.text, self.pos)
                out.append(int(e + m.group(0), 8))
                self.pos = m.end()
            elif e in "uU":
                n = 4 if e == "u" else 8
                out += chr(int(self.text[self.pos:self.pos + n], 16)).encode("utf-8")
                self.pos += n
            else:
                raise ValueError("unknown escape \\" + e)


def get(fields, name):
    for key, value in fields:
        if key == name:
            return value
    return None


def get_all(fields, name):
    return [value for key, value in fields if key == name]


class NeedsProto(Exception):
    pass


def number(text):
    return int(text, 0) if not re.search(r"[.eE]", text) or text.startswith("0x") else float(text)


def value(fields):
    """A cel.expr.Value as typed JSON."""
    if not fields:
        raise NeedsProto("an empty value")
    kind, v = fields[0]
    if kind == "int64_value":
        return {"int": str(int(v, 0))}
    if kind == "uint64_value":
        return {"uint": str(int(v, 0))}
    if kind == "double_value":
        low = v.lower()
        if low in ("nan", "-nan"):
            return {"double": "NaN"}
        if low in ("inf", "infinity"):
            return {"double": "Infinity"}
        if low in ("-inf", "-infinity"):
            return {"double": "-Infinity"}
        f = float(v)
        return {"double": f} if math.isfinite(f) else {"double": "Infinity" if f > 0 else "-Infinity"}
    if kind == "string_value":
        return {"string": v.decode("utf-8")}
    if kind == "bytes_value":
        return {"bytes": list(v)}
    if kind == "bool_value":
        return {"bool": v == "true"}
    if kind == "null_value":
        return {"null": None}
    if kind == "list_value":
        return {"list": [value(item) for item in get_all(v, "values")]}
    if kind == "map_value":
        return {"map": [[value(get(e, "key")), value(get(e, "value"))] for e in get_all(v, "entries")]}
    if kind == "type_value":
        return {"type": v.decode("utf-8")}
    if kind == "object_value":
        name, body = v[0]
        for well_known in ("Duration", "Timestamp"):
            if name == "[type.googleapis.com/google.protobuf.%s]" % well_known:
                seconds = int(get(body, "seconds") or "0")
                nanos = int(get(body, "nanos") or "0")
                return {well_known.lower(): [seconds, nanos]}
        raise NeedsProto("expects a protobuf message")
    if kind == "enum_value":
        raise NeedsProto("expects an enum")
    raise NeedsProto("expects " + kind)


def case(section, test):
    name = get(test, "name").decode("utf-8")
    expr = get(test, "expr").decode("utf-8")
    out = {"section": section, "name": name, "expr": expr}
    if get(test, "check_only") == "true":
        raise NeedsProto("check only")
    if get(test, "container") is not None:
        raise NeedsProto("a container")
    if PROTO_NAMES.search(expr):
        raise NeedsProto("names a protobuf message")
    if get_all(test, "bindings"):
        raise NeedsProto("bindings")
    if get(test, "value") is not None:
        out["value"] = value(get(test, "value"))
    elif get(test, "typed_result") is not None:
        out["value"] = value(get(get(test, "typed_result"), "result"))
    elif get(test, "eval_error") is not None or get(test, "any_eval_errors") is not None:
        errors = get(test, "eval_error") or []
        messages = [get(e, "message") for e in get_all(errors, "errors")]
        out["error"] = " | ".join(m.decode("utf-8") for m in messages if m) or "error"
    elif get(test, "unknown") is not None or get(test, "any_unknowns") is not None:
        raise NeedsProto("unknowns")
    else:
        out["value"] = {"bool": True}
    return out


def main():
    root, commit, output = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(output, exist_ok=True)
    for stem in FILES:
        path = "tests/simple/testdata/%s.textproto" % stem
        with open(os.path.join(root, path), encoding="utf-8") as f:
            parsed = Parser(f.read()).message("")
        cases, left_out = [], {}
        for section in get_all(parsed, "section"):
            section_name = get(section, "name").decode("utf-8")
            for test in get_all(section, "test"):
                try:
                    cases.append(case(section_name, test))
                except NeedsProto as reason:
                    left_out[str(reason)] = left_out.get(str(reason), 0) + 1
        document = {
            "upstream": "https://github.com/google/cel-spec/blob/%s/%s" % (commit, path),
            "license": "Apache-2.0 (Copyright Google LLC); extracted, values unchanged",
            "left_out": dict(sorted(left_out.items())),
            "cases": cases,
        }
        with open(os.path.join(output, stem + ".json"), "w", encoding="utf-8") as f:
            json.dump(document, f, ensure_ascii=False, indent=1)
            f.write("\n")
        print("%-16s %4d cases, left out %s" % (stem, len(cases), document["left_out"]))


if __name__ == "__main__":
    main()
