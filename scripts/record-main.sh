#!/usr/bin/env bash
# main's recording on a GPU runner (main.yml), runnable on any GPU machine. First this machine's
# recorded history is taken from the results branch into .asv/results, so that what is recorded
# now is merged with it through fcbench's store (a commit recorded again gains the new samples);
# then:
#   head      `fcbench record HEAD` (after a merge)
#   backfill  (nightly, by hand) `asv run NEW`: every commit on main since the last recorded one,
#             head included, so commits whose recording never ran (a runner outage, a push
#             superseded by the next) are measured too; at most MAX (default 8) a run, newest first
#             and spread over the gap, to stay inside the job's timeout. Without any history yet:
#             `fcbench record HEAD`.
# Results go to .asv/results (asv.conf.json's results_dir), where the upload step takes them.
# Usage: scripts/record-main.sh head|backfill MACHINE [BIN_DIR] [MAX] [RESULTS_BRANCH=asv-results]
set -euo pipefail
mode=${1:?usage: scripts/record-main.sh head|backfill MACHINE [BIN_DIR] [MAX]}
machine=${2:-}; [[ -n $machine ]] || { echo "usage: scripts/record-main.sh head|backfill MACHINE [BIN_DIR] [MAX]" >&2; exit 2; }
bin=${3:-$(dirname "$(command -v fcbench)")}; max=${4:-8}; branch=${5:-asv-results}
case $mode in
  head|backfill) ;;
  *) echo "record-main: mode is head or backfill, not '$mode'" >&2; exit 2 ;;
esac
if git fetch -q origin "$branch" 2>/dev/null && git cat-file -e "FETCH_HEAD:results/$machine" 2>/dev/null; then
  # Regular files only: a link on the branch (to a credential, say) would be followed by the upload.
  odd=$(git ls-tree -r FETCH_HEAD "results/$machine" | awk '$1 != "100644" && $1 != "100755" {print $4}')
  if [ -n "$odd" ]; then echo "record-main: $branch holds what is not a regular file: $odd" >&2; exit 3; fi
  mkdir -p .asv/results
  git archive FETCH_HEAD "results/$machine" | tar -x --strip-components=1 -C .asv/results
fi
if [ "$mode" = head ] || ! compgen -G ".asv/results/$machine/*-*.json" > /dev/null; then
  [ "$mode" = head ] || echo "record-main: no recorded history for $machine yet: recording HEAD alone"
  exec "$bin/fcbench" record HEAD
fi
# Everything up to HEAD recorded already (a nightly or manual run after a day without merges):
# nothing is new, and `asv run NEW` would exit 1 ("No commit hashes selected") and fail the job.
head=$(git rev-parse HEAD)
if compgen -G ".asv/results/$machine/${head:0:8}-*.json" > /dev/null; then
  echo "record-main: every commit up to ${head:0:8} is recorded on $machine: nothing new to measure"
  exit 0
fi
# python -m asv: the job's environment sees the runner image's asv as a package, with no console script of its own.
"$bin/python" -m asv machine --yes --machine "$machine"
exec "$bin/python" -m asv run --machine "$machine" NEW --steps "$max"
