#!/usr/bin/env bash
# PNGs of `fcbench report` pages as headless Chromium draws them from the file system.
# Usage: scripts/report-screenshot.sh SITE_DIR OUT.png [PAGE=index.html] [WIDTH,HEIGHT=1400,2200]
#        scripts/report-screenshot.sh            (no arguments: README's screenshots, from the real H100 history)
# Exit 2: a missing page or output directory, a bad size; 3: no Chromium, or it wrote no screenshot.
# Without arguments it builds the report over the four commits recorded on the H100 in
# docs/validation/2026-11-23-h100-spinfix/ci-example (its commits' subjects, authors and dates from
# the scratch repository's bundle there, the PR gate's JSON as --gate-json) and writes
# docs/report-h100.png (the machine's front page) and docs/report-h100-variant.png (wmma_fused_cpasync);
# then over mma_fused's climb recorded on the H200 (docs/validation/2026-12-03-h200/climb-history:
# six commits of this repository, each step's gate as --gate-json), docs/report-h200-climb.png and
# docs/report-h200-mma_fused.png; then over wgmma_fused's climb on the H100,
# docs/report-h100-wgmma-climb.png; then over the held-out synthetic history (issue 24),
# docs/report-held-out.png and docs/report-held-out-wmma_fused.png.
set -euo pipefail
shot() {  # shot SITE OUT PAGE SIZE
  local site out browser profile
  site=$(realpath -m "$1"); out=$(realpath -m "$2")
  [[ -f $site/$3 ]] || { echo "report-screenshot: no page $site/$3 (SITE and PAGE)" >&2; exit 2; }
  [[ -d $(dirname "$out") ]] || { echo "report-screenshot: OUT: no directory $(dirname "$out")" >&2; exit 2; }
  [[ $4 =~ ^[0-9]+,[0-9]+$ ]] || { echo "report-screenshot: WIDTH,HEIGHT: '$4' is not two numbers" >&2; exit 2; }
  rm -f "$out"  # so that a shot Chromium did not write is seen as missing, not as the old one
  browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome) || {
    echo "report-screenshot: needs Chromium (Debian package: chromium)" >&2; exit 3; }
  profile=$(mktemp -d)
  # The pages draw with JavaScript: the virtual time budget lets them finish before the shot.
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --virtual-time-budget=5000 --window-size="$4" --screenshot="$out" "file://$site/$3" 2>/dev/null
  rm -rf "$profile"
  [[ -s $out ]] || { echo "report-screenshot: Chromium wrote no screenshot to $out" >&2; exit 3; }
  echo "report-screenshot: $out"
}
if [[ $# -gt 0 ]]; then
  (( $# >= 2 && $# <= 4 )) || { echo "usage: scripts/report-screenshot.sh SITE_DIR OUT.png [PAGE] [WIDTH,HEIGHT]" >&2; exit 2; }
  shot "$1" "$2" "${3:-index.html}" "${4:-1400,2200}"
  exit 0
fi
here=$(cd "$(dirname "$0")/.." && pwd)
example=$here/docs/validation/2026-11-23-h100-spinfix/ci-example
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
git clone -q "$example/repo.bundle" "$work/repo"
(cd "$work/repo" && "${FCBENCH:-fcbench}" report --results-dir "$example/results" --out "$work/site" \
  --gate-json "$example/pr-gate.json" --commit-url 'https://github.com/OWNER/REPO/commit/{sha}')
shot "$work/site" "$here/docs/report-h100.png" h100-80gb-hbm3/index.html 1400,3300
shot "$work/site" "$here/docs/report-h100-variant.png" h100-80gb-hbm3/variant-wmma_fused_cpasync.html 1400,2300
v=$here/docs/validation
(cd "$here" && "${FCBENCH:-fcbench}" report --results-dir "$v/2026-12-03-h200/climb-history/results" \
  --out "$work/climb-site" --commit-url 'https://github.com/OWNER/REPO/commit/{sha}' \
  --gate-json "$v/2026-12-01-h200/climb/gate-01c8146d-3d64da92.json" \
  --gate-json "$v/2026-12-01-h200/climb/gate-3d64da92-cf8d05ff.json" \
  --gate-json "$v/2026-12-03-h200/call1-v9.2/climb/gate-cf8d05ff-5cd165cf.json" \
  --gate-json "$v/2026-12-03-h200/call2-v9.3/climb/gate-5cd165cf-6e5bdb65.json" \
  --gate-json "$v/2026-12-03-h200/call3-v9.4/climb/gate-6e5bdb65-5ad7054a.json")
shot "$work/climb-site" "$here/docs/report-h200-climb.png" h200/index.html 1400,2600
shot "$work/climb-site" "$here/docs/report-h200-mma_fused.png" h200/variant-mma_fused.html 1400,2300
# wgmma_fused's climb on the H100 (docs/validation/2026-12-06-h100-wgmma-2/climb-history: thirteen
# commits of this repository, each step's gate as --gate-json, three from the third session's calls
# in 2026-12-06-h100-wgmma-3, two from the fourth's in 2026-12-06-h100-wgmma-4 and the last from the
# eighth's in 2026-12-06-h100-wgmma-8): docs/report-h100-wgmma-climb.png.
w=$v/2026-12-06-h100-wgmma-2 w3=$v/2026-12-06-h100-wgmma-3 w4=$v/2026-12-06-h100-wgmma-4
w8=$v/2026-12-06-h100-wgmma-8
(cd "$here" && "${FCBENCH:-fcbench}" report --results-dir "$w/climb-history/results" \
  --out "$work/wgmma-site" --commit-url 'https://github.com/OWNER/REPO/commit/{sha}' \
  $(for g in "$w"/call6/climb/gate-*.json "$w"/call8/gate-*.json "$w"/call11/gate-*.json \
             "$w3"/call4/gate-*.json "$w3"/call6/gate-*.json "$w4"/call2/gate-*.json \
             "$w4"/call3/gate-d468c664-*.json "$w8"/callC/logs/gate-*.json; do printf -- '--gate-json %s ' "$g"; done))
shot "$work/wgmma-site" "$here/docs/report-h100-wgmma-climb.png" h100-80gb-hbm3/index.html 1400,2000
# Issue 24's acceptance history (scripts/synthetic_history.py --scenario held-out): a 3% code step,
# a driver change, a register creep to the ceiling, a session offset and noise; the front page
# headlines exactly the step and the creep.
"${PYTHON:-python3}" "$here/scripts/synthetic_history.py" "$work/held-out" --scenario held-out
(cd "$work/held-out/repo" && "${FCBENCH:-fcbench}" report --results-dir "$work/held-out/results" --out "$work/held-out/site")
shot "$work/held-out/site" "$here/docs/report-held-out.png" h100-80gb-hbm3/index.html 1400,1300
shot "$work/held-out/site" "$here/docs/report-held-out-wmma_fused.png" h100-80gb-hbm3/variant-wmma_fused.html 1400,1300
