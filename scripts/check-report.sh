#!/usr/bin/env bash
# Opens a detection report page (warbler detect's report/<recording>.html) in a real headless
# browser, Chromium from Debian (installed if missing), and checks what a person would see:
# the spectrogram picture loaded, every detection in the table is drawn on it, and the
# recording loads as playable audio (its duration is known to the page). Saves a screenshot.
#
#   bash scripts/check-report.sh out/demo/detections/report/soundscape01.html [SHOT.png]
set -euo pipefail
page=$(realpath "$1")
shot=${2:-${page%.html}-screenshot.png}
if ! command -v chromium >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --autoplay-policy=no-user-gesture-required --virtual-time-budget=8000)
dom=$(chromium "${flags[@]}" --dump-dom "file://$page" 2>/dev/null)
picture=$(grep -o 'data-picture="[0-9x]*"' <<<"$dom" | head -1 | cut -d'"' -f2 || true)
audio=$(grep -o 'data-audio-seconds="[0-9.]*"' <<<"$dom" | head -1 | cut -d'"' -f2 || true)
boxes=$(grep -o 'class="det"' <<<"$dom" | wc -l)
rows=$(grep -o '<tr onclick=' <<<"$dom" | wc -l)
chromium "${flags[@]}" --window-size=1700,1000 --screenshot="$shot" "file://$page" >/dev/null 2>&1
status=0
[ -n "$picture" ] && [ "${picture%%x*}" -gt 0 ] || { echo "FAIL: the spectrogram picture did not load"; status=1; }
[ -n "$audio" ] || { echo "FAIL: the recording did not load as audio"; status=1; }
[ "$boxes" -eq "$rows" ] || { echo "FAIL: $rows detections in the table but $boxes drawn"; status=1; }
[ -s "$shot" ] || { echo "FAIL: no screenshot"; status=1; }
echo "$page: picture ${picture:-none}, audio ${audio:-none} s, $boxes detections drawn, $rows in the table; screenshot $shot"
exit $status
