#!/bin/sh
# check-html.sh BIN - render a run's HTML report (scripts/html.sh) in
# headless Chromium and check that the page loaded without a script
# error and laid out every chart with a size.  Run by `make validate`.
#
# The run is a short compare-balancers (a sweep of two parameters, so the
# charts have panels, intervals and a timeline).  The check is shown able
# to fail: a copy of the page with one chart hidden must be caught.
set -e
bin=${1:?usage: check-html.sh BIN}
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
	echo "check-html: chromium is not installed (sh scripts/install-deps.sh chromium)" >&2
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" run scenarios/compare-balancers.yaml -o "$work/r" -q --set duration=60s --set replications=3 \
	2>/dev/null
"$bin" plot scenarios/compare-balancers.yaml -o "$work/r" >/dev/null
page="$work/r/index.html"
[ -s "$page" ] || { echo "check-html: no index.html" >&2; exit 1; }
nsvg=$(ls "$work/r"/*.svg | wc -l)

# render FILE: the DOM after the page's script ran, and the browser's log
render() {
	"$chrome" --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 \
		--user-data-dir="$work/profile" --virtual-time-budget=5000 \
		--window-size=1280,900 --dump-dom "file://$1" 2>"$work/log" >"$work/dom" || true
}

# verdict: the charts the page laid out, "SHOWN/ALL"
verdict() {
	sed -n 's/.*data-charts-shown="\([0-9]*\/[0-9]*\)".*/\1/p' "$work/dom" | head -n 1
}

render "$page"
got=$(verdict)
errors=$(grep -c 'Uncaught\|CONSOLE.*[Ee]rror' "$work/log" || true)
if [ "$got" != "$nsvg/$nsvg" ] || [ "$nsvg" -lt 5 ] || [ "$errors" -ne 0 ]; then
	echo "check-html: FAIL: charts shown $got of $nsvg SVG files, $errors script errors" >&2
	grep 'Uncaught\|CONSOLE' "$work/log" >&2 || true
	exit 1
fi
# a summary row per point, and the scenario's text
rows=$(grep -c '^<tr><td>' "$work/dom" || true)
points=$(($(wc -l < "$work/r/summary.csv") - 1))
grep -q 'policy: p2c\|policy: random\|nodes.lb.policy' "$work/dom" ||
	{ echo "check-html: FAIL: the scenario's text is not on the page" >&2; exit 1; }
[ "$rows" -ge "$points" ] ||
	{ echo "check-html: FAIL: $rows table rows for $points points" >&2; exit 1; }
echo "check-html: $got charts laid out, $rows table rows for $points points, no script error"

# the control: one chart hidden must be caught
sed '0,/<figure id="/s/<figure id="/<figure style="display:none" id="/' "$page" > "$work/r/hidden.html"
render "$work/r/hidden.html"
got=$(verdict)
if [ "$got" = "$nsvg/$nsvg" ]; then
	echo "check-html: FAIL: a page with a chart hidden passed ($got)" >&2
	exit 1
fi
echo "check-html: a page with one chart hidden is caught ($got)"
