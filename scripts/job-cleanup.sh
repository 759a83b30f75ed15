#!/usr/bin/env bash
# End of a GPU job, also when it failed or was cancelled: no process of this job left on the GPU
# or in the background, no worktree, no job environment, home or build cache. On a single-use
# runner the pod goes anyway; on a long-lived one this is what keeps the next job's machine clean.
# A process is this job's by what it cannot shed, not by its name (`exec -a` renames a process,
# `setsid` leaves the job's process group): its environment names this job's RUNNER_TEMP (every
# process a step starts inherits it), or it sits in the runner service's cgroup (a long-lived
# runner installed with the runner's svc.sh runs in systemd's actions.runner.*.service, and an
# unprivileged process cannot leave its cgroup). This script's own ancestors (the runner) are spared.
# Usage: scripts/job-cleanup.sh JOB_TEMP_DIR
#   FCBENCH_RUNNER_CGROUP: the cgroup directory to sweep (default: this process's own cgroup v2,
#   when it is a runner service's; tests point it at a directory with a cgroup.procs file)
# Exit 2 (nothing touched) where JOB_TEMP_DIR is not an existing absolute directory other than /:
# it is matched against every process's command line and its venv, cache and home are removed, so
# '/' or a relative 'a' would have named every process of this user as the job's.
set -uo pipefail
temp=${1:?usage: scripts/job-cleanup.sh JOB_TEMP_DIR}
if [[ $temp != /* || ! -d $temp || $(cd "$temp" && pwd) == / ]]; then
  echo "job-cleanup: JOB_TEMP_DIR: '$temp' is not an existing absolute directory other than /; nothing done" >&2
  exit 2
fi
temp=$(cd "$temp" && pwd)
me=$(id -u)
declare -A spare=([1]=1)  # init, whatever user this runs as
pid=$$
while [[ $pid -gt 1 ]]; do  # this script and its ancestors: the step's shell, the runner
  spare[$pid]=1
  pid=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null || echo 1)
done
kill_pid() {  # pid why
  [[ -z ${spare[$1]:-} && $(stat -c %u "/proc/$1" 2>/dev/null) == "$me" ]] && kill -9 "$1" 2>/dev/null \
    && echo "job-cleanup: killed $1 ($2: $(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | cut -c1-80))"
}
# Processes of this user that still hold the GPU (a worker a cancelled job left behind).
if command -v nvidia-smi >/dev/null; then
  for pid in $(nvidia-smi --query-compute-apps=pid --format=csv,noheader 2>/dev/null); do
    kill_pid "$pid" "held the GPU"
  done
fi
# Processes whose environment is this job's, or that run from its checkout or temp dir (the
# checkout: the working directory, unless that is / , which every path contains).
checkout=$PWD; [[ $checkout == / ]] && checkout=
for dir in /proc/[0-9]*; do
  pid=${dir#/proc/}
  [[ -n ${spare[$pid]:-} ]] && continue
  if grep -qzxF "RUNNER_TEMP=$temp" "$dir/environ" 2>/dev/null; then
    kill_pid "$pid" "this job's environment"
  elif tr '\0' ' ' < "$dir/cmdline" 2>/dev/null | grep -qF -e "$temp" -e "${checkout:-$temp}"; then
    kill_pid "$pid" "this job's files"
  fi
done
# Everything else in the runner service's cgroup (and below it).
cgroup=${FCBENCH_RUNNER_CGROUP:-}
if [[ -z $cgroup ]]; then
  own=$(sed -n 's/^0:://p' /proc/self/cgroup 2>/dev/null)
  [[ $own =~ ^(.*/actions\.runner\.[^/]*\.service)(/|$) ]] && cgroup=/sys/fs/cgroup${BASH_REMATCH[1]}
fi
if [[ -n $cgroup && -d $cgroup ]]; then
  for pid in $(find "$cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null); do
    kill_pid "$pid" "the runner's cgroup"
  done
fi
git worktree list --porcelain 2>/dev/null | sed -n 's/^worktree //p' | grep 'fcbench-worktrees-' | while read -r wt; do
  git worktree remove --force --force "$wt" 2>/dev/null; echo "job-cleanup: removed worktree $wt"
done
git worktree prune 2>/dev/null
# This job's own only: a sweep of every fcbench-worktrees-* in /tmp removed the worktrees of a job
# running beside this one on the same machine (seen with two workflow runs under act at once).
rm -rf "$temp/venv" "$temp/fcbench-cache" "$temp/home" 2>/dev/null
echo "job-cleanup: done; $(df -h --output=avail "$temp" 2>/dev/null | tail -1 | tr -d ' ') free in $temp"
