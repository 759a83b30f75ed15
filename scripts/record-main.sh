#!/usr/bin/env bash
# main's recording on a GPU runner (main.yml), runnable on any GPU machine:
#   head      `fcbench record HEAD` (after a merge)
#   backfill  (nightly, by hand) this machine's recorded history from the results branch, then
#             `asv run NEW`: every commit on main since the last recorded one, head included, so
#             commits whose recording never ran (a runner outage, a push superseded by the next)
#             are measured too; at most MAX (default 8) a run, newest first and spread over the
#             gap, to stay inside the job's timeout. Without any history yet: `fcbench record HEAD`.
# Results go to .asv/results (asv.conf.json's results_dir), where the upload step takes them.
# Usage: scripts/record-main.sh head|backfill MACHINE [BIN_DIR] [MAX] [RESULTS_BRANCH=asv-results]
set -euo pipefail
mode=${1:?usage: scripts/record-main.sh head|backfill MACHINE [BIN_DIR] [MAX]}; machine=${2:?machine}
bin=${3:-$(dirname "$(command -v fcbench)")}; max=${4:-8}; branch=${5:-asv-results}
case $mode in
  head) exec "$bin/fcbench" record HEAD ;;
  backfill) ;;
  *) echo "record-main: mode is head or backfill, not '$mode'" >&2; exit 2 ;;
esac
if git fetch -q origin "$branch" 2>/dev/null && git cat-file -e "FETCH_HEAD:results/$machine" 2>/dev/null; then
  mkdir -p .asv/results
  git archive FETCH_HEAD "results/$machine" | tar -x --strip-components=1 -C .asv/results
fi
if ! compgen -G ".asv/results/$machine/*-*.json" > /dev/null; then
  echo "record-main: no recorded history for $machine yet: recording HEAD alone"
  exec "$bin/fcbench" record HEAD
fi
"$bin/asv" machine --yes --machine "$machine"
exec "$bin/asv" run --machine "$machine" NEW --steps "$max"
