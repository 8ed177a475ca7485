#!/usr/bin/env bash
# Learner-mode grading time per kata, this tree against an earlier commit (median of 3 runs each).
#   bash bench/learner_before_after.sh /tmp/before    # a worktree of the earlier commit (git worktree add)
# Both run with this checkout's .venv; the earlier tree's plugin is loaded with -p graders.plugin.
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${1:?a worktree of the earlier commit}
PY=$PWD/.venv/bin/python
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() {  # dir, extra args...
    local dir=$1; shift
    for _ in 1 2 3; do
        local start end
        start=$(date +%s.%N)
        (cd "$dir" && "$@" >/dev/null 2>&1) || true
        end=$(date +%s.%N)
        echo "$end - $start" | bc
    done | median
}
printf '%-22s %8s %8s %6s\n' kata before after ratio
total_b=0; total_a=0
for kata in katas/*/; do
    name=$(basename "$kata")
    b=$(run "$BEFORE" env PYTHONPATH="$BEFORE" "$PY" -m pytest -q -p no:cacheprovider -p no:kata -p graders.plugin --noconftest "katas/$name" --kata-target solution --no-grade-card)
    a=$(run "$PWD" "$PY" -m pytest -q -p no:cacheprovider "katas/$name" --kata-target solution --no-grade-card)
    printf '%-22s %7.2fs %7.2fs %6.2f\n' "$name" "$b" "$a" "$(echo "$a / $b" | bc -l)"
    total_b=$(echo "$total_b + $b" | bc); total_a=$(echo "$total_a + $a" | bc)
done
printf '%-22s %7.2fs %7.2fs %6.2f\n' all "$total_b" "$total_a" "$(echo "$total_a / $total_b" | bc -l)"
