#!/usr/bin/env bash
# How long `make test` takes, commit against commit, on this machine: for each round and each
# commit (interleaved: A B A B …), a fresh clone (no .venv, .tools or target/), `make test`
# twice in a row (fresh, then second run), then `cargo xtask test --skip-end-to-end` twice (the
# inner loop: the first builds what `make test` did not need, the second is the warm one).
# Prints one line per run as it ends, then a table of every run, each run's stage summary and
# the ratios of the medians. The logs (and each clone's end-to-end logs) stay in the work
# directory.
#
#   xtask/measure-make-test.sh [--rounds N] [--work DIR] [--keep-tool-cache] BASE HEAD
#
# BASE and HEAD are anything `git checkout` takes (d0c854d, main, a branch). Clones come from
# this repository. The machine should be otherwise idle; the load average is recorded per run.
# Before each fresh run, the test tools that checkouts share on this machine
# (~/.cache/xtask-tools) are removed, so that "fresh" is a fresh machine, as in CI;
# --keep-tool-cache measures a second clone on the same machine instead.
set -euo pipefail

rounds=3
work="${TMPDIR:-/tmp}/measure-make-test"
keep_tool_cache=false
tool_cache="${XDG_CACHE_HOME:-$HOME/.cache}/xtask-tools"
while [[ $# -gt 2 ]]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --keep-tool-cache) keep_tool_cache=true; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ $# -ne 2 ]]; then
  sed -n '2,15p' "$0" >&2
  exit 2
fi
repo="$(git -C "$(dirname "$0")" rev-parse --path-format=absolute --git-common-dir)"
commits=("$1" "$2")
mkdir -p "$work"
results="$work/results.tsv"
printf 'round\tcommit\trun\tseconds\tcpu_seconds\tload\tstatus\n' > "$results"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; work in $work" >&2

# One timed run: wall seconds and the CPU seconds of every process it waited for.
timed() {
  local round=$1 commit=$2 run=$3 dir=$4; shift 4
  local log="$work/$round-$commit-$run.log" load status
  load="$(cut -d' ' -f1 /proc/loadavg)"
  local start end
  start=$(date +%s.%N)
  if (cd "$dir" && /usr/bin/time -f '%U %S' -o "$log.cpu" "$@") > "$log" 2>&1; then
    status=ok
  else
    status=FAILED
  fi
  end=$(date +%s.%N)
  local wall cpu
  wall=$(echo "$end - $start" | bc)
  # The last line: /usr/bin/time puts "Command exited with non-zero status N" before it.
  cpu=$(tail -n 1 "$log.cpu" 2>/dev/null | awk '{print $1 + $2}' || echo 0)
  printf '%s\t%s\t%s\t%.0f\t%.0f\t%s\t%s\n' "$round" "$commit" "$run" "$wall" "$cpu" "$load" "$status" >> "$results"
  printf '%-3s %-12s %-7s %6.0fs wall %6.0fs cpu  load %s  %s  (%s)\n' \
    "$round" "$commit" "$run" "$wall" "$cpu" "$load" "$status" "$log" >&2
}

for round in $(seq 1 "$rounds"); do
  for commit in "${commits[@]}"; do
    dir="$work/clone-$round-$(echo "$commit" | tr '/' '-')"
    rm -rf "$dir"
    git clone --quiet "$repo" "$dir"
    git -C "$dir" checkout --quiet "$commit"
    [[ $keep_tool_cache == true ]] || rm -rf "$tool_cache"
    timed "$round" "$commit" fresh "$dir" make test
    timed "$round" "$commit" second "$dir" make test
    timed "$round" "$commit" inner "$dir" cargo xtask test --skip-end-to-end
    timed "$round" "$commit" warm "$dir" cargo xtask test --skip-end-to-end
    # The end-to-end runs' own logs (each release's stages) outlive the clone.
    [[ -d "$dir/target/e2e-logs" ]] && cp -r "$dir/target/e2e-logs" "$work/$round-$commit-e2e-logs"
    rm -rf "$dir"
  done
done

# Medians per commit and run, and HEAD's over BASE's.
python3 - "$results" "${commits[@]}" <<'EOF'
import csv, statistics, sys
path, base, head = sys.argv[1:4]
rows = list(csv.DictReader(open(path), delimiter="\t"))
print(open(path).read())
med = {}
for commit in (base, head):
    for run in ("fresh", "second", "inner", "warm"):
        xs = [float(r["seconds"]) for r in rows if r["commit"] == commit and r["run"] == run]
        med[commit, run] = statistics.median(xs) if xs else float("nan")
runs = ("fresh", "second", "inner", "warm")
print(f"{'median seconds':<16}" + "".join(f"{r:>8}" for r in runs))
for commit in (base, head):
    print(f"{commit:<16}" + "".join(f"{med[commit, r]:>8.0f}" for r in runs))
for r in rows:
    log = f"{path.rsplit('/', 1)[0]}/{r['round']}-{r['commit']}-{r['run']}.log"
    lines = open(log, errors="replace").read().splitlines()
    at = next((i for i, l in enumerate(lines) if l == "test summary"), None)
    if at is not None:
        print(f"{r['round']} {r['commit']} {r['run']}: " + "; ".join(
            " ".join(l.split()) for l in lines[at + 1:] if l.startswith("  ")))
print(f"{head} / {base}: fresh {med[head, 'fresh'] / med[base, 'fresh']:.2f}, "
      f"second {med[head, 'second'] / med[base, 'second']:.2f}; "
      f"{head} warm inner loop / fresh: {med[head, 'warm'] / med[head, 'fresh']:.2f}")
EOF
