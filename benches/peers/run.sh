#!/usr/bin/env bash
# The peer benchmark (docs/PERFORMANCE.md, "Peer benchmark"; issue 11): the same five item rules
# checked by guifan (benches/peers/guifan-pack), Spectral (benches/peers/spectral) and Rego run
# by regorus (benches/peers/rego, benches/peers/regorus-harness), on generated item lists in
# block YAML, flow YAML and JSON. Run by hand, never by `cargo test` or CI.
#
#   bash benches/peers/run.sh [--sizes 10,10000,100000] [--runs N] [--no-build] [--out DIR]
#
# --sizes LIST  item counts to generate and measure (default 10,10000,100000)
# --runs N      hyperfine runs per command (default: 10 below 1,000 items, 5 below 100,000, else 3;
#               guifan's commands at least 5, after a warm-up run)
# --no-build    time target/release/guifan as it is (default: `cargo build --release` first)
# --out DIR     inputs, reports and raw results (default target/peers)
#
# Needs cargo, python3, node and npm, hyperfine (apt-get install -y hyperfine). Spectral is
# installed into benches/peers/node_modules from the committed package-lock.json (npm ci); the
# regorus harness is built into target-peers/. Before timing anything, every tool is run once
# on every input and its findings, reduced to (item index, rule) pairs, must be exactly the
# planted ones (benches/peers/compare.py): the script stops at the first difference. guifan is
# timed in --format json and in --format human; last, guifan on the block YAML and the JSON of
# the same items in turn, for the ratio of the two. Nothing else should run on the machine
# meanwhile.
set -euo pipefail
peers="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$peers/../.." && pwd)"
cd "$root"

sizes=10,10000,100000
runs=""
build=1
out=target/peers
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in cargo python3 node npm hyperfine; do
  command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 2; }
done

guifan=target/release/guifan
spectral=benches/peers/node_modules/.bin/spectral
harness=target-peers/release/regorus-harness
pack=benches/peers/guifan-pack
ruleset=benches/peers/spectral/.spectral.yaml
policy=benches/peers/rego/items.rego

echo "== build"
if [ $build = 1 ]; then
  CARGO_TARGET_DIR="$root/target" cargo build --release --bin guifan
fi
[ -x "$guifan" ] || { echo "$guifan is missing: build it, or leave out --no-build" >&2; exit 2; }
if [ ! -x "$spectral" ]; then
  (cd benches/peers && npm ci --no-audit --no-fund)
fi
CARGO_TARGET_DIR="$root/target-peers" cargo build --release \
  --manifest-path benches/peers/regorus-harness/Cargo.toml
"$guifan" pack lint --pack "$pack" >/dev/null

mkdir -p "$out/inputs" "$out/reports" "$out/hyperfine"
echo "== inputs"
python3 benches/peers/generate.py --out "$out/inputs" --sizes "$sizes"

# Runs one tool on one input, its report to a file; the exit code must be the one the tool
# gives when it finds violations (every input has some): 1 for guifan and Spectral, 0 for the
# harness, which only prints them.
report() {
  local want="$1" file="$2"; shift 2
  local code=0
  "$@" >"$file" || code=$?
  [ "$code" = "$want" ] || { echo "$* exited with $code, expected $want" >&2; exit 1; }
}

echo "== the same findings from every tool"
IFS=, read -r -a size_list <<<"$sizes"
workloads=()
for size in "${size_list[@]}"; do
  for format in yaml flow.yaml json; do
    name="items-$size.$format"
    input="$out/inputs/$name"
    report 1 "$out/reports/$name.guifan.json" "$guifan" check --pack "$pack" --format json "$input"
    report 1 "$out/reports/$name.guifan.txt" "$guifan" check --pack "$pack" --format human --color never "$input"
    report 1 "$out/reports/$name.spectral.json" "$spectral" lint --ruleset "$ruleset" --format json --quiet "$input"
    report 0 "$out/reports/$name.regorus.jsonl" "$harness" "$policy" "$input"
    python3 benches/peers/compare.py "$out/inputs/items-$size.expected" \
      "guifan:$out/reports/$name.guifan.json" \
      "spectral:$out/reports/$name.spectral.json" \
      "regorus:$out/reports/$name.regorus.jsonl" \
      || { echo "$name: the tools disagree (reports in $out/reports)" >&2; exit 1; }
    echo "$name: $(wc -l <"$out/inputs/items-$size.expected") findings, the same from all three"
    workloads+=("$name")
  done
done

echo "== timings"
for name in "${workloads[@]}"; do
  input="$out/inputs/$name"
  size="${name#items-}"; size="${size%%.*}"
  n="$runs"
  if [ -z "$n" ]; then
    if [ "$size" -lt 1000 ]; then n=10; elif [ "$size" -lt 100000 ]; then n=5; else n=3; fi
  fi
  # guifan's two commands take a second at most: always a warm-up run, and at least 5 runs (a
  # first run cold after Spectral's, unwarmed, was half again the others at 100,000 items).
  # The peers get a warm-up run only for the small inputs (Spectral takes 15 s a run on
  # 100,000 items); the check above has just read the input.
  warmup=1
  [ "$size" -lt 100000 ] || warmup=0
  own_runs=$(( n > 5 ? n : 5 ))
  # -i: guifan and Spectral exit 1 on findings, as they should here.
  hyperfine -N -i --style basic -w 1 -r "$own_runs" --export-json "$out/hyperfine/$name.guifan.json" \
    -n guifan-json "$guifan check --pack $pack --format json $input" \
    -n guifan-human "$guifan check --pack $pack --format human --color never $input"
  hyperfine -N -i --style basic -w "$warmup" -r "$n" --export-json "$out/hyperfine/$name.json" \
    -n spectral "$spectral lint --ruleset $ruleset --format json --quiet $input" \
    -n regorus "$harness $policy $input"
done

versions="$out/versions.txt"
{
  "$guifan" --version
  echo "guifan commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || echo ', src with uncommitted changes')"
  echo "spectral $("$spectral" --version)"
  echo "regorus $(sed -n 's/^regorus = { version = "=\([^"]*\)".*/\1/p' benches/peers/regorus-harness/Cargo.toml)"
  echo "node $(node --version)"
} >"$versions"

python3 - "$out" "${workloads[@]}" <<'EOF'
import json, os, sys
out, names = sys.argv[1], sys.argv[2:]
rows, summary = [], {"versions": open(f"{out}/versions.txt").read().splitlines(), "workloads": []}
for name in names:
    results = {r["command"]: r
               for part in (f"{name}.guifan.json", f"{name}.json")
               for r in json.load(open(f"{out}/hyperfine/{part}"))["results"]}
    mean = {tool: results[tool]["mean"] for tool in ("guifan-json", "guifan-human", "spectral", "regorus")}
    size = os.path.getsize(f"{out}/inputs/{name}")
    summary["workloads"].append({"input": name, "bytes": size, "mean_seconds": mean,
                                 "stddev_seconds": {t: results[t]["stddev"] for t in mean}})
    rows.append((name, size, mean))
with open(f"{out}/summary.json", "w") as f:
    json.dump(summary, f, indent=2)
    f.write("\n")
def t(s):
    return f"{s*1000:.0f} ms" if s < 1 else f"{s:.2f} s"
def mib(n):
    return f"{n/2**10:.1f} KiB" if n < 2**20 else f"{n/2**20:.1f} MiB"
print()
print("\n".join(summary["versions"]))
print()
print("| input | size | guifan json | guifan human | Spectral | regorus | json/Spectral | human/Spectral | json/regorus | human/regorus |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name, size, m in rows:
    g, h, s, r = m["guifan-json"], m["guifan-human"], m["spectral"], m["regorus"]
    print(f"| {name} | {mib(size)} | {t(g)} | {t(h)} | {t(s)} | {t(r)} "
          f"| {g/s:.3f} | {h/s:.3f} | {g/r:.2f} | {h/r:.2f} |")
print()
print(f"raw results: {out}/hyperfine/*.json, summary: {out}/summary.json")
EOF

# The JSON ≥ 3 × YAML target as a ratio of runs side by side: the hyperfine runs above time one
# input after another, minutes apart, and the machine's speed can drift between them (1.6×
# within half an hour, docs/PERFORMANCE.md). Here guifan checks the block YAML and the JSON of
# the same items in turn, and the ratio is of the medians.
echo
echo "== JSON against block YAML, side by side"
python3 - "$guifan" "$pack" "$out" "${size_list[@]}" <<'EOF'
import statistics, subprocess, sys, time
guifan, pack, out, sizes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
for size in sizes:
    if int(size) < 10000:
        continue
    pairs = 20 if int(size) < 100000 else 6
    for form in ("json", "human"):
        times = {"yaml": [], "json": []}
        for turn in range(pairs):
            order = ("yaml", "json") if turn % 2 == 0 else ("json", "yaml")
            for kind in order:
                command = [guifan, "check", "--pack", pack, "--format", form, "--color", "never",
                           f"{out}/inputs/items-{size}.{kind}"]
                start = time.perf_counter()
                subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                times[kind].append(time.perf_counter() - start)
        yaml, json = statistics.median(times["yaml"]), statistics.median(times["json"])
        print(f"items-{size} --format {form}: block YAML {yaml*1000:.0f} ms, JSON {json*1000:.0f} ms, "
              f"{yaml/json:.2f}× ({pairs} pairs, medians)")
EOF
