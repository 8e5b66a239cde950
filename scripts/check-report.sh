#!/usr/bin/env bash
# Checks a detection report (warbler detect's report/ folder) in a real headless browser,
# Chromium from Debian (installed if missing), the way a reviewer uses it. The folder is first
# copied elsewhere, so everything must load from inside it. In the copy, on the index and on
# recording pages (the one with the most detections, the first and a middle one), with
# scripts/report-check.js injected:
#   - the page is no wider than the window at 1400 and 1280 px; labels on the spectrogram do not
#     overlap on any time page; time pages and zoom work (--min-pages: at least that many pages
#     on the largest recording, e.g. 30 for an hour);
#   - the detection table sorts by score, species and time, filters by species and minimum
#     score (rows counted against the page's data), shows at most 100 rows at a time;
#   - previous/next links match the index's order, every link of the index leads to a file;
#   - a detection's audio clip loads (its duration is known to the page) from inside the folder;
#   - the index has the species summary; marking 3 detections right and 2 wrong exports CSV
#     that `warbler evaluate --truth-events confirmed.csv --pred-events review.csv` accepts.
# Saves a screenshot beside the report folder (SHOTS=DIR: there). With --make it first makes
# the inputs (a 1-hour synthetic recording and 40 short ones), a random checkpoint (`warbler
# model init`), detects with a low threshold, checks both reports and prints their size and the
# report's share of the run time.
#
#   bash scripts/check-report.sh out/demo/detections/report [--min-pages N]
#   bash scripts/check-report.sh --make WORKDIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
warbler=${WARBLER:-$root/.build/release/warbler}
if ! command -v chromium >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# browse FILE WIDTH [chromium options...]: the DOM after the page's scripts ran.
browse() {
  local file=$1 width=$2; shift 2
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" \
    --autoplay-policy=no-user-gesture-required --virtual-time-budget=20000 --window-size="$width,900" "$@" \
    --dump-dom "file://$file" 2>/dev/null
}

# inject PAGE: a copy of PAGE beside it with the checking script; prints the copy's path.
inject() {
  local page=$1 copy
  copy="$(dirname "$page")/check--$(basename "$page")"
  python3 - "$page" "$copy" "$root/scripts/report-check.js" <<'PY'
import sys
page, copy, script = sys.argv[1:]
html = open(page, encoding="utf-8").read()
js = open(script, encoding="utf-8").read()
i = html.rindex("</body>")
open(copy, "w", encoding="utf-8").write(html[:i] + '<pre id="check-result"></pre><script>' + js + "</script>\n" + html[i:])
PY
  echo "$copy"
}

# result DOM-FILE KEY: a value of the JSON the checking script left in the page.
result() {
  python3 - "$1" "$2" <<'PY'
import html, json, re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<pre id="check-result">(.*?)</pre>', dom, re.S)
data = json.loads(html.unescape(m.group(1))) if m and m.group(1).strip() else {"errors": ["the check did not finish"]}
value = data.get(sys.argv[2])
print("; ".join(value) if isinstance(value, list) else ("" if value is None else value), end="")
PY
}

# check_report REPORT_DIR MIN_PAGES
check_report() {
  local source=$1 min_pages=$2 copy dom errors
  [ -f "$source/index.html" ] || { fail "$source has no index.html"; return; }
  copy="$work/copied-$(date +%s%N)/report"
  mkdir -p "$(dirname "$copy")"
  cp -r "$source" "$copy"
  # Nothing may point outside the folder (a copied report would lose it).
  if grep -lE '(src|href)="(\.\./|/|file:)' "$copy"/*.html >/dev/null; then fail "$source: a page links outside the report folder"; fi
  # Every link of the index leads to a file of the copy.
  local missing
  missing=$(python3 - "$copy" <<'PY'
import html, os, re, sys, urllib.parse
d = sys.argv[1]
text = open(d + "/index.html", encoding="utf-8").read()
for href in re.findall(r'href="([^"#]+)', text):
    if not os.path.isfile(os.path.join(d, urllib.parse.unquote(html.unescape(href)))): print(href)
PY
)
  [ -z "$missing" ] || fail "$source: index links to missing files: $missing"
  local pages
  pages=$(find "$copy" -maxdepth 1 -name '*.html' ! -name index.html | wc -l)
  local nav
  nav=$(python3 -c 'import json, re, sys; print(len(json.loads(re.search(r"WARBLER_NAV = (.*);", open(sys.argv[1]).read()).group(1))))' "$copy/nav.js")
  [ "$nav" = "$pages" ] || fail "nav.js lists $nav recordings, the folder has $pages pages"
  local index
  index=$(inject "$copy/index.html")
  for width in 1400 1280; do
    dom="$work/index-$width.html"
    browse "$index" "$width" >"$dom"
    errors=$(result "$dom" errors)
    [ -z "$errors" ] || fail "$source/index.html at $width px: $errors"
    [ "$(result "$dom" recordingLinks)" = "$pages" ] || fail "index links $(result "$dom" recordingLinks) recordings, the folder has $pages pages"
  done
  echo "$source/index.html: $(result "$dom" speciesRows) species in the summary, $pages recordings linked, width $(result "$dom" width) px at 1280"
  # The page with the most detections, the first and a middle one (in the index's order).
  local chosen
  chosen=$(python3 - "$copy" <<'PY'
import json, os, re, sys
d = sys.argv[1]
nav = json.loads(re.search(r"WARBLER_NAV = (.*);", open(d + "/nav.js", encoding="utf-8").read()).group(1))
pages = [n["page"] for n in nav if os.path.isfile(os.path.join(d, n["page"]))]
def detections(p):
    m = re.search(r"const REPORT = (.*?);</script>", open(os.path.join(d, p), encoding="utf-8").read(), re.S)
    return len(json.loads(m.group(1))["dets"]) if m else 0
biggest = max(pages, key=detections)
for p in dict.fromkeys([biggest, pages[0], pages[len(pages) // 2]]): print(p)
PY
)
  local first=1 page
  while IFS= read -r page; do
    local checked
    checked=$(inject "$copy/$page")
    for width in 1400 1280; do
      [ "$first" = 1 ] || [ "$width" = 1400 ] || continue
      dom="$work/page-$width.html"
      browse "$checked" "$width" >"$dom"
      errors=$(result "$dom" errors)
      [ -z "$errors" ] || fail "$page at $width px: $errors"
    done
    local prev next
    prev=$(result "$dom" prev); next=$(result "$dom" next)
    echo "$page: $(result "$dom" detections) detections on $(result "$dom" pages) time pages, $(result "$dom" labels) labels," \
      "$(result "$dom" rowsShown) rows shown, $(result "$dom" filtered) after filtering; picture $(result "$dom" picture)," \
      "clip $(result "$dom" audioSrc) $(result "$dom" audioSeconds) s; previous ${prev:-none}, next ${next:-none}"
    if [ "$first" = 1 ]; then
      [ "$(result "$dom" pages)" -ge "$min_pages" ] || fail "$page: $(result "$dom" pages) time pages, expected at least $min_pages"
      result "$dom" truth >"$work/confirmed.csv"
      result "$dom" review >"$work/review.csv"
      if [ "$(wc -l <"$work/confirmed.csv")" -lt 2 ]; then
        fail "$page: the exported confirmed CSV has no rows"
      elif "$warbler" evaluate --truth-events "$work/confirmed.csv" --pred-events "$work/review.csv" >"$work/evaluate.txt" 2>&1; then
        echo "exported marks: $(($(wc -l <"$work/confirmed.csv") - 1)) confirmed, $(($(wc -l <"$work/review.csv") - 1)) reviewed; warbler evaluate: $(grep -m1 events "$work/evaluate.txt")"
      else
        fail "warbler evaluate refused the exported CSV: $(cat "$work/evaluate.txt")"
      fi
      local shot="${SHOTS:-$(dirname "$source")}/report-screenshot-$(basename "$(dirname "$source")").png"
      chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" \
        --virtual-time-budget=5000 --window-size=1400,1000 --screenshot="$shot" "file://$copy/$page" >/dev/null 2>&1 || true
      [ -s "$shot" ] && echo "screenshot: $shot" || fail "no screenshot"
      first=0
    fi
  done <<<"$chosen"
}

if [ "${1:-}" = "--make" ]; then
  dir=$(mkdir -p "$2" && cd "$2" && pwd)
  rm -rf "$dir/hour" "$dir/many" "$dir/out-hour" "$dir/out-many" "$dir/out-hour-noreport"
  "$warbler" synth soundscape --out "$dir/hour" --species 8 --count 1 --seconds 3600 --phrases-per-minute 40 --seed 11 >/dev/null
  "$warbler" synth soundscape --out "$dir/many" --species 8 --count 40 --seconds 20 --seed 12 >/dev/null
  "$warbler" model init --arch warbler-small --classes 8 --seed 3 --out "$dir/random.safetensors" >/dev/null
  # A random model scores about 0.55-0.77 everywhere; just above the lowest class's level, with
  # no hysteresis or merging, it cuts thousands of short detections out of an hour.
  threshold=${THRESHOLD:-0.56}
  detect() {
    "$warbler" detect --checkpoint "$dir/random.safetensors" --threshold "$threshold" --hysteresis 1 --merge-gap 0 \
      --min-duration 0.05 --format csv "$@" >/dev/null
  }
  t0=$(date +%s.%N); detect "$dir/hour" --out "$dir/out-hour"; t1=$(date +%s.%N)
  detect "$dir/hour" --out "$dir/out-hour-noreport" --no-report; t2=$(date +%s.%N)
  detect "$dir/many" --out "$dir/out-many"
  echo "1-hour recording: $(($(wc -l <"$dir/out-hour/detections.csv") - 1)) detections; detect $(python3 -c "print(f'{$t1 - $t0:.1f}')") s with the report," \
    "$(python3 -c "print(f'{$t2 - $t1:.1f}')") s without; report $(du -sh "$dir/out-hour/report" | cut -f1)" \
    "($(find "$dir/out-hour/report" -name '*.wav' | wc -l) clips: $(du -ch "$dir/out-hour/report"/*.files/*.wav | tail -1 | cut -f1);" \
    "$(find "$dir/out-hour/report" -name '*.png' | wc -l) pictures: $(du -ch "$dir/out-hour/report"/*.files/*.png | tail -1 | cut -f1);" \
    "pages: $(du -ch "$dir/out-hour/report"/*.html | tail -1 | cut -f1))"
  echo "40 recordings: $(($(wc -l <"$dir/out-many/detections.csv") - 1)) detections; report $(du -sh "$dir/out-many/report" | cut -f1)"
  SHOTS=$dir check_report "$dir/out-hour/report" 30
  SHOTS=$dir check_report "$dir/out-many/report" 1
else
  target=${1:?usage: check-report.sh REPORT_DIR [--min-pages N] | --make WORKDIR}
  [ -d "$target" ] || target=$(dirname "$target")
  min=1; [ "${2:-}" = "--min-pages" ] && min=${3:?--min-pages needs a number}
  check_report "$(cd "$target" && pwd)" "$min"
fi
[ "$failures" -eq 0 ] && echo "report checks passed" || { echo "$failures report check(s) failed"; exit 1; }
