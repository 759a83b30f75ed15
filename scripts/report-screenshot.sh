#!/usr/bin/env bash
# A PNG of an `fcbench report` site as headless Chromium renders it from the file system.
# Usage: scripts/report-screenshot.sh SITE_DIR OUT.png [PAGE=index.html] [WIDTH,HEIGHT=1400,2200]
set -euo pipefail
site=$(realpath "$1"); out=$(realpath -m "$2"); page=${3:-index.html}; size=${4:-1400,2200}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome) || {
  echo "report-screenshot: needs Chromium (Debian package: chromium)" >&2; exit 3; }
profile=$(mktemp -d); trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
  --virtual-time-budget=5000 --window-size="$size" --screenshot="$out" "file://$site/$page" 2>/dev/null
echo "report-screenshot: $out"
