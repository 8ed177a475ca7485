#!/usr/bin/env bash
# Learner-mode grading time per kata, this tree against an earlier commit (median of RUNS runs each,
# before and after taking turns, so both see the same machine).
#   git worktree add /tmp/before <commit>
#   bash bench/learner_before_after.sh /tmp/before                  # every kata, 5 runs
#   KATAS="06_async 09_asgi_lifespan" RUNS=3 TARGET=stub bash bench/learner_before_after.sh /tmp/before
# Both run with this checkout's .venv, as a learner runs them (grade card on); the earlier tree's
# plugin is loaded with -p graders.judge.plugin. Hypothesis (a test extra a learner does not install)
# is kept out, since its plugin alone adds about 1 s to every start.
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=${1:?a worktree of the earlier commit}
RUNS=${RUNS:-5}
TARGET=${TARGET:-solution}
KATAS=${KATAS:-$(cd katas && ls -d [0-9]*/ | tr -d /)}
PY=$PWD/.venv/bin/python
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
seconds() {  # dir, command...
    local dir=$1; shift
    local start end
    start=$(date +%s.%N)
    (cd "$dir" && "$@" >/dev/null 2>&1) || true
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}
printf '%-22s %8s %8s %6s   (%s, median of %s, %s)\n' kata before after ratio "$TARGET" "$RUNS" "$(nproc) cores"
for name in $KATAS; do
    [ -d "$BEFORE/katas/$name" ] || { printf '%-22s %8s\n' "$name" "(new)"; continue; }
    before=(); after=()
    for _ in $(seq "$RUNS"); do
        before+=("$(seconds "$BEFORE" env PYTHONPATH="$BEFORE" "$PY" -m pytest -q -p no:cacheprovider -p no:hypothesispytest -p no:kata -p graders.judge.plugin --noconftest "katas/$name" --kata-target "$TARGET")")
        after+=("$(seconds "$PWD" "$PY" -m pytest -q -p no:cacheprovider -p no:hypothesispytest "katas/$name" --kata-target "$TARGET")")
    done
    b=$(printf '%s\n' "${before[@]}" | median); a=$(printf '%s\n' "${after[@]}" | median)
    printf '%-22s %7.2fs %7.2fs %6.2f\n' "$name" "$b" "$a" "$(echo "$a / $b" | bc -l)"
done
