#!/usr/bin/env bash
# End of a GPU job, also when it failed or was cancelled: no process of this job left on the GPU
# or in the background, no worktree, no job environment or build cache. On a single-use runner
# the pod goes anyway; on a long-lived one this is what keeps the next job's machine clean.
# Usage: scripts/job-cleanup.sh JOB_TEMP_DIR
set -uo pipefail
temp=${1:?usage: scripts/job-cleanup.sh JOB_TEMP_DIR}
me=$(id -u)
# Processes of this user that still hold the GPU (a worker a cancelled job left behind).
if command -v nvidia-smi >/dev/null; then
  for pid in $(nvidia-smi --query-compute-apps=pid --format=csv,noheader 2>/dev/null); do
    [[ $(stat -c %u "/proc/$pid" 2>/dev/null) == "$me" ]] && kill -9 "$pid" 2>/dev/null && echo "job-cleanup: killed GPU process $pid"
  done
fi
# Anything else this job started from its checkout or its environment (daemons included).
for pid in $(pgrep -u "$me" -f "$temp|$PWD" || true); do
  [[ $pid != $$ && $pid != $PPID ]] && kill -9 "$pid" 2>/dev/null && echo "job-cleanup: killed $pid"
done
git worktree list --porcelain 2>/dev/null | sed -n 's/^worktree //p' | grep 'fcbench-worktrees-' | while read -r wt; do
  git worktree remove --force --force "$wt" 2>/dev/null; echo "job-cleanup: removed worktree $wt"
done
git worktree prune 2>/dev/null
# This job's own only: a sweep of every fcbench-worktrees-* in /tmp removed the worktrees of a job
# running beside this one on the same machine (seen with two workflow runs under act at once).
rm -rf "$temp/venv" "$temp/fcbench-cache" 2>/dev/null
echo "job-cleanup: done; $(df -h --output=avail "$temp" 2>/dev/null | tail -1 | tr -d ' ') free in $temp"
