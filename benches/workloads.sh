#!/usr/bin/env bash
# Whole-process measurements of the standard workloads (docs/PERFORMANCE.md), in one run, and
# the table of ratios against the targets of issue 4. Needs hyperfine and GNU time
# (apt-get install -y hyperfine time) and python3 (to read hyperfine's JSON).
#
#   bash benches/workloads.sh [--pack DIR] [--skip-w3] [--out DIR]
#
# --pack DIR   check with this pack instead of the embedded national pack
# --skip-w3    leave out W3 (one file of 100,000 items) and its scaling pair
# --w3-pack DIR  check W3 and its tenth with this pack (default: as the others)
# --out DIR    where the corpus and the raw measurements go (default target/workloads)
#
# The corpus is generated with --violations 0: every check must report no finding, and the
# script stops if one does. Nothing else should run on the machine meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."

pack_args=()
w3_pack_args=()
skip_w3=0
out=target/workloads
while [ $# -gt 0 ]; do
  case "$1" in
    --pack) pack_args=(--pack "$2"); shift 2 ;;
    --skip-w3) skip_w3=1; shift ;;
    --w3-pack) w3_pack_args=(--pack "$2"); shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in hyperfine python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 2; }
done

cargo build --release --bin guifan --example corpus --example parse --example pack_load
bin=target/release/guifan
corpus=target/release/examples/corpus
mkdir -p "$out"

echo "== corpus"
$corpus --workload w1 --out "$out/w1" | head -1
$corpus --workload w2 --out "$out/w2" | head -1
if [ $skip_w3 = 0 ]; then
  $corpus --workload w3 --out "$out/w3" | head -1
  $corpus --workload w3 --items 10000 --out "$out/w3-tenth" | head -1
fi

[ ${#w3_pack_args[@]} -gt 0 ] || w3_pack_args=("${pack_args[@]}")
clean() {
  local pack=("${pack_args[@]}")
  case "$1" in *w3*) pack=("${w3_pack_args[@]}") ;; esac
  local summary
  summary=$("$bin" check "${pack[@]}" --format json "$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))')
  [ "$summary" = 0 ] || { echo "$1: $summary findings, expected none" >&2; exit 1; }
}
echo "== every workload checks clean"
clean "$out/w1"
clean "$out/w2"
if [ $skip_w3 = 0 ]; then clean "$out/w3-tenth"; fi

pack_flag=""
[ ${#pack_args[@]} -gt 0 ] && pack_flag="--pack ${pack_args[1]}"
w3_pack_flag=""
[ ${#w3_pack_args[@]} -gt 0 ] && w3_pack_flag="--pack ${w3_pack_args[1]}"
hf() { hyperfine -N --style basic "$@"; }

echo "== W1 end to end"
hf -w 3 -r 20 --export-json "$out/w1.json" "$bin check $pack_flag $out/w1"
echo "== W2: parse alone on one core, full check on one and on two cores"
hf -w 1 -r 5 --export-json "$out/w2-parse.json" "target/release/examples/parse $out/w2"
RAYON_NUM_THREADS=2 hf -w 1 -r 3 --export-json "$out/w2-2.json" "$bin check $pack_flag $out/w2"
RAYON_NUM_THREADS=1 hf -w 0 -r 3 --export-json "$out/w2-1.json" "$bin check $pack_flag $out/w2"
if [ $skip_w3 = 0 ]; then
  echo "== W3 and a tenth of it"
  hf -w 1 -r 5 --export-json "$out/w3-tenth.json" "$bin check $w3_pack_flag $out/w3-tenth"
  hf -w 0 -r 3 --export-json "$out/w3.json" "$bin check $w3_pack_flag $out/w3"
fi
echo "== pack load + compile"
target/release/examples/pack_load ${pack_flag} 50 | tee "$out/pack.txt"

echo "== peak memory (GNU time)"
peak() {
  local pack=("${pack_args[@]}")
  case "$1" in *w3*) pack=("${w3_pack_args[@]}") ;; esac
  /usr/bin/time -f "%M" "$bin" check "${pack[@]}" "$1" 2>&1 >/dev/null | tail -1
}
size() { du -sb "$1" | cut -f1; }
{
  echo "w1 $(peak "$out/w1") $(size "$out/w1")"
  echo "w2 $(peak "$out/w2") $(size "$out/w2")"
  if [ $skip_w3 = 0 ]; then echo "w3 $(peak "$out/w3") $(size "$out/w3")"; fi
} | tee "$out/memory.txt"

python3 - "$out" "$skip_w3" <<'EOF'
import json, sys
out, skip_w3 = sys.argv[1], sys.argv[2] == "1"
def mean(name):
    return json.load(open(f"{out}/{name}.json"))["results"][0]["mean"]
rows = []
w1 = mean("w1")
rows.append(("W1 end to end", f"{w1*1000:.0f} ms", "< 100 ms", w1 < 0.1))
parse, two, one = mean("w2-parse"), mean("w2-2"), mean("w2-1")
rows.append(("W2 check (2 cores) / W2 parse (1 core)", f"{two/parse:.2f} ({two:.2f} s / {parse:.2f} s)", "≤ 2.0", two / parse <= 2.0))
rows.append(("W2 check, 1 core / 2 cores", f"{one/two:.2f} ({one:.2f} s / {two:.2f} s)", "≥ 1.7", one / two >= 1.7))
if not skip_w3:
    tenth, full = mean("w3-tenth"), mean("w3")
    rows.append(("W3 time / W3-tenth time (10× items)", f"{full/tenth:.2f} ({full:.2f} s / {tenth:.2f} s)", "≤ 11", full / tenth <= 11))
pack = open(f"{out}/pack.txt").read()
median = float(pack.split("median ")[1].split(" ms")[0])
rows.append(("pack load + compile (median, in process)", f"{median:.1f} ms", "< 10 ms", median < 10))
for line in open(f"{out}/memory.txt"):
    name, kb, size = line.split()
    peak, limit = int(kb) * 1024, 4 * int(size) + 50 * 2**20
    rows.append((f"{name.upper()} peak memory / (4 × input + 50 MB)", f"{peak/limit:.2f} ({peak/2**20:.0f} MiB / {limit/2**20:.0f} MiB)", "≤ 1.0", peak <= limit))
print()
print("| measure | measured | target | met |")
print("|---|---|---|---|")
for name, value, target, met in rows:
    print(f"| {name} | {value} | {target} | {'yes' if met else 'no'} |")
EOF
