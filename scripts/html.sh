#!/bin/sh
# html.sh DIR [SCENARIO] - write DIR/index.html, the page a planner sends
# to colleagues: one self-contained file (no link out of it) holding
#
#   - the summary table: each point by its swept values, throughput, mean
#     latency and percentiles with their 95 % intervals, refusals and
#     failures, and the run's verdicts (not steady, precision not met,
#     incomplete, replications that did not recover);
#   - each capacity search's probes (capacity-PATH.csv), when there is one;
#   - every chart plot.sh drew, as inline SVG;
#   - the scenario's text, when SCENARIO is given.
#
# plot.sh runs it after the charts.  The page is written under a
# temporary name and renamed into place.  Its one script only marks, for
# the test that renders it in a browser, how many charts it laid out
# (data-charts-shown on <html>); the page reads the same without it.
set -e
dir=${1:?usage: html.sh RESULTS_DIR [SCENARIO]}
scenario=${2:-}
out="$dir/index.html"
tmp="$dir/.index.html.tmp"
name=$(basename "$dir")

# esc: the standard input with &, < and > escaped for HTML
esc() {
	sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g'
}

# table FILE: a CSV file as an HTML table, every column, quoted fields
# read as CSV reads them
table() {
	awk -f scripts/csv.awk -f /dev/stdin "$1" <<'AWK'
	{
		n = csv($0, f)
		printf "<tr>"
		for (i = 1; i <= n; i++) printf (NR == 1 ? "<th>%s</th>" : "<td>%s</td>"), h(f[i])
		print "</tr>"
	}
AWK
}

{
	cat <<EOF
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>archsim: $(echo "$name" | esc)</title>
<style>
body { font-family: sans-serif; margin: 1.5em auto; max-width: 1200px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; white-space: nowrap; }
th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
.scroll { overflow-x: auto; }
.warn { color: #a33; }
figure { margin: 1.5em 0; } figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.9em; color: #555; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; font-size: 0.85em; }
</style>
</head>
<body>
<h1>archsim results: $(echo "$name" | esc)</h1>
EOF
	if [ -f "$dir/summary.csv" ]; then
		cat <<EOF
<h2>Summary</h2>
<p>One row per sweep point. Latencies are of <em>served</em> requests; refused and failed
requests are counted apart. Intervals are 95 %: &plusmn; a Student-t half-width for means,
[low, high] for percentiles; &ldquo;&ndash;&rdquo; where the run gives none.</p>
<div class="scroll"><table>
EOF
		awk -F, -f scripts/csv.awk -f /dev/stdin "$dir/summary.csv" <<'AWK'
		function num(v) { return v == "NaN" || v == "" ? "&ndash;" : sprintf("%.4g", v) }
		function ms(v) { return v == "NaN" || v == "" ? "&ndash;" : sprintf("%.4g", v * 1000) }
		function pm(c) { return f[col[c "_ci95"]] == "NaN" ? "" : " &plusmn; " ms(f[col[c "_ci95"]]) }
		function rng(c) { return f[col[c "_lo"]] == "NaN" ? "" : " [" ms(f[col[c "_lo"]]) ", " ms(f[col[c "_hi"]]) "]" }
		function pct(v) { return v == "NaN" || v == "" ? "&ndash;" : sprintf("%.3g %%", 100 * v) }
		NR == 1 {
			n = csv($0, f)
			for (i = 1; i <= n; i++) col[f[i]] = i
			print "<tr><th>point</th><th>replications</th><th>throughput /s</th><th>mean latency (ms)</th>" \
			      "<th>p50 (ms)</th><th>p99 (ms)</th><th>p99.9 (ms)</th><th>refused</th><th>failed</th><th>verdict</th></tr>"
			next
		}
		{
			csv($0, f)
			v = ""
			if (f[col["complete"]] == "false") v = v " incomplete;"
			if (f[col["steady"]] == "false") v = v " not steady;"
			if (f[col["precision_met"]] == "false") v = v " precision not met;"
			if (f[col["healthy_end_share"]] != "NaN" && f[col["healthy_end_share"]] + 0 < 1)
				v = v sprintf(" %.0f %% of replications recovered;", 100 * f[col["healthy_end_share"]])
			sub(/;$/, "", v)
			printf "<tr><td>%s</td><td>%s</td><td>%s%s</td><td>%s%s</td><td>%s%s</td><td>%s%s</td><td>%s%s</td><td>%s</td><td>%s</td><td class=\"warn\">%s</td></tr>\n",
				h(f[col["label"]]), f[col["replications"]],
				num(f[col["throughput_per_s"]]),
				f[col["throughput_per_s_ci95"]] == "NaN" ? "" : " &plusmn; " num(f[col["throughput_per_s_ci95"]]),
				ms(f[col["latency_mean_s"]]), pm("latency_mean_s"),
				ms(f[col["latency_p50_s"]]), rng("latency_p50_s"),
				ms(f[col["latency_p99_s"]]), rng("latency_p99_s"),
				ms(f[col["latency_p999_s"]]), rng("latency_p999_s"),
				pct(f[col["reject_ratio"]]), pct(f[col["error_ratio"]]), v
		}
AWK
		echo "</table></div>"
		echo "<p>Every column, and the nodes, workloads and time series, are in the CSV files beside this page (<code>archsim help outputs</code> describes them).</p>"
	fi
	for cap in "$dir"/capacity-*.csv "$dir"/capacity.csv; do
		[ -f "$cap" ] || continue
		echo "<h2>Capacity search: $(basename "$cap" .csv | sed 's/^capacity-//' | esc)</h2>"
		echo "<p>Each probe of the search, with the SLO's terms and the bottleneck it found.</p>"
		echo '<div class="scroll"><table>'
		table "$cap"
		echo "</table></div>"
	done
	# the charts plot.sh drew this time (ARCHSIM_CHARTS), so that one
	# left in the directory by an earlier run is not shown as this one's;
	# without the list, every chart in the directory
	charts=${ARCHSIM_CHARTS-}
	if [ -z "$charts" ]; then
		for svg in "$dir"/*.svg; do
			if [ -f "$svg" ]; then charts="$charts $(basename "$svg" .svg)"; fi
		done
	fi
	if [ -n "$charts" ]; then
		echo "<h2>Charts</h2>"
		for chart in $charts; do
			svg="$dir/$chart.svg"
			[ -f "$svg" ] || continue
			c=$(echo "$chart" | esc | sed 's/"/\&quot;/g')
			echo "<figure id=\"$c\">"
			# the SVG element itself, without its XML prolog and
			# doctype, its ids (gnuplot's point symbols, its plots)
			# prefixed with the chart's name, so that the charts of one
			# page do not share them
			sed -n '/<svg/,$p' "$svg" | sed -e "s/\(id=['\"]\)\([A-Za-z]\)/\1$c-\2/g" \
				-e "s/\(href=['\"]#\)/\1$c-/g" -e "s/url(#/url(#$c-/g" |
			# and a plot's id that gnuplot repeats in one chart (a
			# panel's, the key's) numbered from its second use on
			awk '{
				out = ""
				while (match($0, /id="[^"]*"/)) {
					id = substr($0, RSTART + 4, RLENGTH - 5)
					n = ++seen[id]
					out = out substr($0, 1, RSTART - 1) "id=\"" id (n > 1 ? "-" n : "") "\""
					$0 = substr($0, RSTART + RLENGTH)
				}
				print out $0
			}'
			echo "<figcaption>$c ($c.svg and $c.png beside this page)</figcaption>"
			echo "</figure>"
		done
	fi
	if [ -n "$scenario" ] && [ -f "$scenario" ]; then
		echo "<h2>Scenario: $(basename "$scenario" | esc)</h2>"
		echo "<pre>"
		esc < "$scenario"
		echo "</pre>"
	fi
	cat <<'EOF'
<script>
/* for the rendering test: how many charts were laid out with a size */
(function () {
	var n = 0, figs = document.querySelectorAll("figure svg");
	for (var i = 0; i < figs.length; i++) {
		var r = figs[i].getBoundingClientRect();
		if (r.width > 100 && r.height > 100)
			n++;
	}
	document.documentElement.setAttribute("data-charts-shown", n + "/" + figs.length);
})();
</script>
</body>
</html>
EOF
} > "$tmp"
mv "$tmp" "$out"
echo "report: $out"
