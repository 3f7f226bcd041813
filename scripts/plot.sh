#!/bin/sh
# Render every chart in plots/ from the CSV files in DIR into DIR/*.png
# and DIR/*.svg (the same chart as vectors).
# Each PNG is drawn under a temporary name and renamed into place, so a
# failed chart never replaces a good one.
set -e
dir=${1:?usage: plot.sh RESULTS_DIR [SCENARIO]}
# the scenario file, when known, goes into the HTML report (html.sh)
scenario=${2:-}
# nice PATH: a swept path in words ("lb policy", "users arrival rate")
nice() {
	p=$1 unit=""
	case $p in
	*_per_s) p=${p%_per_s} unit=" (per second)" ;;
	*_s) p=${p%_s} unit=" (s)" ;;
	esac
	echo "$p" | awk -F. -v unit="$unit" '{
		# a long path: its node and its last word ("api percent can retry")
		if ($1 == "nodes" && NF > 4) s = $2 " " $NF
		else if ($1 == "nodes") { s = $2; for (i = 3; i <= NF; i++) s = s " " $i }
		else if ($1 == "workloads") s = $2 " " ($NF == "rate" ? "arrival rate" : $NF)
		else if ($1 == "timeline") s = "timeline entry " $2 " " $NF
		else s = $NF
		gsub(/_/, " ", s); print s unit }'
}
# render NAME SCRIPT VARS: draws plots/SCRIPT.gp with gnuplot's -e VARS
# (dir, out and fmt added) into DIR/NAME.png and DIR/NAME.svg, each
# written whole or not at all; 1 after printing gnuplot's complaint
render() {
	for fmt in png svg; do
		tmp="$dir/.$1.$fmt.tmp"
		if gnuplot -e "dir='$dir'; out='$tmp'; fmt='$fmt'; $3" "plots/$2.gp" 2>"$dir/.$1.log"; then
			mv "$tmp" "$dir/$1.$fmt"
			rm -f "$dir/.$1.log"
		else
			echo "plot.sh: plots/$2.gp failed:" >&2
			cat "$dir/.$1.log" >&2
			rm -f "$tmp" "$dir/.$1.log"
			return 1
		fi
	done
}
# a capacity search (archsim capacity) writes capacity-PATH.csv, one per
# parameter searched (capacity.csv from older versions): a chart each,
# named as its file
drawn="" capcharts=""
for capfile in "$dir"/capacity-*.csv "$dir"/capacity.csv; do
	[ -f "$capfile" ] || continue
	base=$(basename "$capfile" .csv)
	capvar=$(nice "$(head -n 1 "$capfile" | cut -d, -f2)")
	# the term drawn: the one the most probes missed (an estimate above
	# its limit; below, for throughput), the first on a tie, so that the
	# chart shows what decided the search
	capcol=$(awk -F, 'NR == 1 { for (c = 7; c + 3 <= NF && $c != "bottleneck"; c += 4) { name[c] = $c; last = c }; next }
		{ for (c = 7; c <= last; c += 4) if ($c != "NaN" && $(c + 3) != "NaN") {
			v = $c + 0; l = $(c + 3) + 0
			if (name[c] == "throughput_per_s" ? v < l : v > l) miss[c]++ } }
		END { best = 7; for (c = 7; c <= last; c += 4) if (miss[c] > miss[best]) best = c; print best }' "$capfile")
	capmetric=$(head -n 1 "$capfile" | cut -d, -f"$capcol")
	case $capmetric in
	latency_mean_s) caplabel="mean latency (s)" ;;
	failed_latency_mean_s) caplabel="mean time to failure (s)" ;;
	latency_p*_s) caplabel="$(echo "$capmetric" | sed 's/latency_\(p[0-9]*\)_s/\1/') latency (s)" ;;
	throughput_per_s) caplabel="throughput (requests/s)" ;;
	reject_ratio) caplabel="share of requests refused" ;;
	error_ratio) caplabel="share of requests failed" ;;
	*) caplabel="$capmetric" ;;
	esac
	render "$base" capacity "capfile='$capfile'; capcol=$capcol; capvar='$capvar'; capmetric='$capmetric'; caplabel='$caplabel'" ||
		exit 1
	drawn="$drawn $dir/$base.png"
	capcharts="$capcharts $base"
done
# a cheapest plan's search: plan.csv (plots/plan.gp)
if [ -f "$dir/plan.csv" ]; then
	plandat="$dir/.plan.dat"
	# x: the first latency term (else the first term), its interval; y:
	# the metric minimised; the label: each path's node and last word
	awk -F, 'NR == 1 {
			for (i = 1; i <= NF; i++) at[$i] = i
			nd = at["meets"] - 1; m = at["replications"] + 1
			for (i = m + 3; i <= NF; i++)
				if ($i ~ /^slo_/ && $i !~ /_(lo|hi|limit)$/) { if (!t) t = i; if ($i ~ /^slo_latency_/) { t = i; break } }
			for (i = 1; i <= nd; i++) { n = split($i, p, "."); name[i] = (p[1] == "nodes" && n > 2 ? p[2] " " p[n] : $i) }
			xname = substr($t, 5); yname = $m
			print xname > "'"$plandat.x"'"; print yname > "'"$plandat.y"'"
			next }
		{ lab = ""; for (i = 1; i <= nd; i++) lab = lab (i > 1 ? ", " : "") name[i] " " $i
		  printf "%s %s %s %s %d %d %d \"%s\"\n", $t, $(t + 1), $(t + 2), $m, $(at["meets"]) == "true",
			$(at["front"]) == "true", $(at["rank"]), lab
		  limit = $(t + 3) }
		END { print limit > "'"$plandat.l"'" }' "$dir/plan.csv" > "$plandat"
	planx=$(cat "$plandat.x") plany=$(cat "$plandat.y") planlimit=$(cat "$plandat.l")
	case $planx in
	latency_mean_s) planx="mean latency (s)" ;;
	latency_p*_s) planx="$(echo "$planx" | sed 's/latency_\(p[0-9]*\)_s/\1/') latency (s)" ;;
	esac
	case $plany in cost_per_hour) plany="cost per hour" ;; esac
	if ! render plan plan "plandat='$plandat'; planx='$planx'; plany='$plany'; planlimit=$planlimit"; then
		rm -f "$plandat" "$plandat".?
		exit 1
	fi
	[ -n "${ARCHSIM_KEEP_TMP:-}" ] || rm -f "$plandat" "$plandat".?
	drawn="$drawn $dir/plan.png"
	capcharts="$capcharts plan"
fi
if [ -n "$drawn" ] && [ ! -f "$dir/summary.csv" ]; then
	echo "charts:$drawn (and .svg)"
	ARCHSIM_CHARTS="$capcharts" sh scripts/html.sh "$dir" "$scenario"
	exit 0
fi
if [ ! -f "$dir/summary.csv" ]; then
	echo "plot.sh: $dir/summary.csv not found; run the scenario first" >&2
	exit 1
fi
# the nodes of the node time series (point 0), for node_time.gp
nodes=""
callers=""
if [ -f "$dir/node_timeseries.csv" ]; then
	# (those with busy workers to show: services)
	col=$(head -n 1 "$dir/node_timeseries.csv" | tr , '\n' | grep -n '^busy_mean$' | cut -d: -f1)
	nodes=$(awk -F, -v c="$col" 'NR > 1 && $1 == 0 && c && $c != "" && $c != "NaN" && !seen[$3]++ { printf "%s ", $3 }' \
		"$dir/node_timeseries.csv")
	# and those whose workers ever waited on calls
	col=$(head -n 1 "$dir/node_timeseries.csv" | tr , '\n' | grep -n '^calling_mean$' | cut -d: -f1)
	callers=$(awk -F, -v c="$col" 'NR > 1 && $1 == 0 && c && $c != "" && $c != "NaN" && $c + 0 > 0 \
		&& !seen[$3]++ { printf "%s ", $3 }' "$dir/node_timeseries.csv")
fi
# the first database with replicas: its units' rows (db[0] the primary,
# then the replicas), for db_time.gp
dbunits=""
if [ -f "$dir/node_timeseries.csv" ] && [ -f "$dir/nodes.csv" ]; then
	dbn=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "parent") pc = i; next }
		$3 == "database" && pc && $pc != "" { print $pc; exit }' "$dir/nodes.csv")
	[ -n "$dbn" ] && dbunits=$(awk -F, -v db="$dbn" 'NR > 1 && $1 == 0 && index($3, db "[") == 1 \
		&& !seen[$3]++ { printf "%s ", $3 }' "$dir/node_timeseries.csv")
fi
# and those whose calls have a circuit breaker
brknodes=""
if [ -f "$dir/node_timeseries.csv" ]; then
	col=$(head -n 1 "$dir/node_timeseries.csv" | tr , '\n' | grep -n '^breaker_state$' | cut -d: -f1)
	brknodes=$(awk -F, -v c="$col" 'NR > 1 && $1 == 0 && c && $c != "" && $c != "NaN" \
		&& !seen[$3]++ { printf "%s ", $3 }' "$dir/node_timeseries.csv")
fi
# the time axis: seconds, or minutes or hours when the run is long
# nodes whose replica count changes in the first point (an autoscaler,
# a timeline scale): the scaling chart's
scaled=""
if [ -f "$dir/node_timeseries.csv" ]; then
	col=$(head -n 1 "$dir/node_timeseries.csv" | tr , '\n' | grep -n '^replicas$' | cut -d: -f1)
	scaled=$(awk -F, -v c="$col" 'NR > 1 && $1 == 0 && c && $c != "" && $c != "NaN" {
			if (!($3 in first)) { first[$3] = $c; order[++n] = $3 }
			else if ($c != first[$3]) moved[$3] = 1 }
		END { for (i = 1; i <= n; i++) if (moved[order[i]]) printf "%s ", order[i] }' \
		"$dir/node_timeseries.csv")
fi
tdiv=1 tunit=s
if [ -f "$dir/timeseries.csv" ]; then
	tmax=$(awk -F, 'NR > 1 && $2 + 0 > m { m = $2 + 0 } END { print m + 0 }' "$dir/timeseries.csv")
	tdiv=$(awk -v t="$tmax" 'BEGIN { print (t > 36000 ? 3600 : t > 1200 ? 60 : 1) }')
	case $tdiv in 3600) tunit=h ;; 60) tunit=min ;; esac
fi
# the timeline of point 0, as vertical lines numbered at the top, and a
# key under the chart ("1 crash db[0]"), so that no two labels overprint
markers="$dir/.markers.gp"
: > "$markers"
if [ -f "$dir/timeline.csv" ]; then
	awk -F, -v div="$tdiv" -v unit="$tunit" 'NR > 1 && $1 == 0 {
		gsub(/"/, "", $6)
		x = $2 / div
		# a zone outage is an entry per node placed there, one label
		if ((x SUBSEP $6) in seen)
			next
		seen[x, $6] = 1
		n++
		# entries at one time share a line and a number ("1-2")
		if (!(x in first)) { first[x] = n; xs[++nx] = x }
		last[x] = n
		item = sprintf("%d: %s at %g %s", n, $6, x, unit)
		if (length(line) + length(item) > 110) { lines[++nl] = line; line = "" }
		line = line (line == "" ? "" : "    ") item
	}
	END {
		for (i = 1; i <= nx; i++) {
			x = xs[i]
			printf "set arrow from %s, graph 0 to %s, graph 1 nohead lc rgb \"#888888\" dt 3\n", x, x
			printf "set label \"%s\" at %s, graph 1 center offset 0, 0.6 font \",8\" tc rgb \"#555555\"\n",
				first[x] == last[x] ? first[x] : first[x] "-" last[x], x
		}
		if (line != "") lines[++nl] = line
		for (i = 1; i <= nl; i++)
			printf "set label \"%s\" at screen 0.01, screen %.3f left font \",8\" tc rgb \"#555555\"\n",
				(i == 1 ? "timeline " : "         ") lines[i], 0.012 + 0.028 * (nl - i)
		if (nl) printf "set bmargin %d\nset tmargin 4\nset title offset 0, 0.8\n", 4 + 2 * nl
	}' "$dir/timeline.csv" > "$markers"
fi
# comparisons (compare.csv): the compared parameter, its values, and the
# other swept one when there is exactly one
cmpcol=0 xcol=0 groups="" xvals="" cmplabel="" xlab="" bars="$dir/.bars.dat"
selpts=$(awk -F, 'NR > 1 && $1 < 8 { printf "%s ", $1 }' "$dir/summary.csv")
nparams=$(head -n 1 "$dir/summary.csv" | tr , '\n' | grep -n '^replications$' | cut -d: -f1)
nparams=$((nparams - 2))
# the points' names, for legends and ticks (.names.gp): each point's
# label from summary.csv; and panels, so that no chart holds more lines
# than it can tell apart: a line per value of the compared parameter
# (compare.csv's, or the first swept), a panel per setting of the others
cmpidx=1
if [ -f "$dir/compare.csv" ] && [ "$(wc -l < "$dir/compare.csv")" -gt 1 ]; then
	c=$(head -n 1 "$dir/compare.csv" | tr , '\n' | grep -n '^compared$' | cut -d: -f1)
	cp=$(awk -F, -v c="$c" 'NR == 2 { print $c }' "$dir/compare.csv")
	cmpidx=$(head -n 1 "$dir/summary.csv" | tr , '\n' | grep -nx "$cp" | head -n 1 | cut -d: -f1)
	cmpidx=$((cmpidx - 1))
fi
names="$dir/.names.gp"
awk -v np="$nparams" -v cmp="$cmpidx" -f scripts/csv.awk -f /dev/stdin "$dir/summary.csv" > "$names" <<'AWK'
	function gq(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
	# nice: a swept path in words, its unit suffix dropped
	function nice(path,   a, n, s, i) {
		sub(/_per_s$|_s$/, "", path)
		n = split(path, a, ".")
		if (a[1] == "nodes" && n > 4) s = a[2] " " a[n]
		else if (a[1] == "nodes") { s = a[2]; for (i = 3; i <= n; i++) s = s " " a[i] }
		else if (a[1] == "timeline") s = "timeline entry " a[2] " " a[n]
		else if (a[1] == "workloads") s = a[2] " " (a[n] == "rate" ? "arrival rate" : a[n])
		else s = a[n]
		gsub(/_/, " ", s)
		return s
	}
	NR == 1 {
		n = csv($0, hd)
		for (i = 1; i <= n; i++) {
			if (hd[i] == "label") lc = i
			if (hd[i] == "completed") cc = i
		}
		for (i = 1; i <= np; i++) path[i] = hd[i + 1]
		next
	}
	{
		n = csv($0, f)
		p = f[1] + 1
		lab = f[lc]
		if (split(lab, v, ", ") != np) for (i = 1; i <= np; i++) v[i] = f[i + 1]
		line = np ? v[cmp] : ""
		key = ""; title = ""
		for (i = 1; i <= np; i++) if (i != cmp) {
			key = key SUBSEP v[i]
			title = title (title == "" ? "" : ", ") nice(path[i]) " " v[i]
		}
		if (!(key in panel)) { panel[key] = ++npan; ptitle[npan] = title }
		if (!(line in idx)) idx[line] = ++nl
		name[p] = lab; pline[p] = line; ppan[p] = panel[key]; pidx[p] = idx[line]
		# a panel with no request served has nothing to draw
		if (f[cc] != "NaN" && f[cc] + 0 > 0) served[panel[key]] = 1
		if (p > npts) npts = p
	}
	END {
		cols = npan <= 1 ? 1 : npan <= 4 ? 2 : npan <= 9 ? 3 : 4
		printf "npanels = %d\npanelcols = %d\npanelrows = %d\nnlines = %d\n",
			npan, cols, int((npan + cols - 1) / cols), nl
		printf "linelabel = %s\n", gq(np ? nice(path[cmp]) : "")
		printf "array panel_title[%d]\narray ptname[%d]\narray ptline[%d]\n", npan, npts, npts
		printf "array ptpanel[%d]\narray ptidx[%d]\n", npts, npts
		printf "array panel_served[%d]\n", npan
		for (k = 1; k <= npan; k++)
			printf "panel_title[%d] = %s\npanel_served[%d] = %d\n", k, gq(ptitle[k]), k, served[k] + 0
		for (p = 1; p <= npts; p++)
			printf "ptname[%d] = %s\nptline[%d] = %s\nptpanel[%d] = %d\nptidx[%d] = %d\n",
				p, gq(name[p]), p, gq(pline[p]), p, ppan[p], p, pidx[p]
	}
AWK
: > "$bars"
if [ -f "$dir/compare.csv" ] && [ "$(wc -l < "$dir/compare.csv")" -gt 1 ]; then
	c=$(head -n 1 "$dir/compare.csv" | tr , '\n' | grep -n '^compared$' | cut -d: -f1)
	cmppath=$(awk -F, -v c="$c" 'NR == 2 { print $c }' "$dir/compare.csv")
	cmplabel=$(nice "$cmppath")
	cmpcol=$(head -n 1 "$dir/summary.csv" | tr , '\n' | grep -nx "$cmppath" | head -n 1 | cut -d: -f1)
	groups=$(awk -F, -v c="$cmpcol" 'NR > 1 && !seen[$c]++ { printf "%s ", $c }' "$dir/summary.csv")
	if [ "$nparams" -eq 2 ]; then
		xcol=$((cmpcol == 2 ? 3 : 2))
		xlab=$(nice "$(head -n 1 "$dir/summary.csv" | cut -d, -f"$xcol")")
		xvals=$(awk -F, -v c="$xcol" 'NR > 1 && !seen[$c]++ { printf "%s ", $c }' "$dir/summary.csv")
	fi
	# the bars: each compared value at the last setting of the others
	last=$(tail -n 1 "$dir/summary.csv")
	selpts=$(awk -F, -v c="$cmpcol" -v np="$nparams" -v last="$last" '
		NR > 1 {
			split(last, L, ",")
			for (i = 2; i < 2 + np; i++) if (i != c && $i != L[i]) next
			printf "%s ", $1
		}' "$dir/summary.csv")
	awk -F, -v c="$cmpcol" -v sel=" $selpts" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		index(sel, " " $1 " ") {
			print $c, $col["latency_p50_s"], $col["latency_p50_s_lo"], $col["latency_p50_s_hi"],
			      $col["latency_p99_s"], $col["latency_p99_s_lo"], $col["latency_p99_s_hi"]
		}' "$dir/summary.csv" > "$bars"
fi
# the first balancer's share per backend, for up to 8 points
share="$dir/.share.dat" lb="" ncols=0
: > "$share"
if [ -f "$dir/nodes.csv" ]; then
	lb=$(awk -F, 'NR > 1 && $3 == "balancer" { print $2; exit }' "$dir/nodes.csv")
	# or, without a balancer, the first shards node: each shard's share
	[ -n "$lb" ] || lb=$(awk -F, 'NR > 1 && $3 == "shards" { print $2; exit }' "$dir/nodes.csv")
fi
if [ -n "$lb" ]; then
	awk -F, -v lb="$lb" -v sel=" $selpts" '
		NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "share") sc = i; if ($i == "unit") uc = i
			if ($i == "even_share") ec = i }; next }
		index(sel, " " $1 " ") && index($2, lb "[") == 1 {
			# a bar group is named by the backend its row stands for;
			# the shares, then the even share of each (a shards node
			# has none: 1 / the places)
			if (!($2 in row)) { order[++n] = $2; row[$2] = (uc && $uc != "" ? $uc : $2) }
			row[$2] = row[$2] " " $sc
			ev[$2] = ev[$2] " " (ec ? $ec : "NaN")
		}
		END { for (i = 1; i <= n; i++) print row[order[i]] ev[order[i]] }' "$dir/nodes.csv" > "$share"
	ncols=$(awk 'NR == 1 { print (NF - 1) / 2 + 1 }' "$share")
	ncols=${ncols:-0}
fi
# the data tier: the first cache and the node it reads from (the first
# database or shards), and the first database
cache="" backend="" db="" cachedat="$dir/.cache.dat" staledat="$dir/.stale.dat"
groups2="" xlabel2=""
: > "$cachedat"
: > "$staledat"
npts=$(awk -F, 'NR > 1 { n++ } END { print n + 0 }' "$dir/summary.csv")
if [ -f "$dir/nodes.csv" ]; then
	cache=$(awk -F, 'NR > 1 && $3 == "cache" { print $2; exit }' "$dir/nodes.csv")
	backend=$(awk -F, 'NR > 1 && ($3 == "database" || $3 == "shards") && index($2, "[") == 0 \
		{ print $2; exit }' "$dir/nodes.csv")
	db=$(awk -F, 'NR > 1 && $3 == "database" && index($2, "[") == 0 { print $2; exit }' "$dir/nodes.csv")
fi
# how many points the cache and queue time charts show: the first 4 and 8
ncache=$((npts < 4 ? npts : 4)) nqueue=$((npts < 8 ? npts : 8))
if [ -n "$cache" ] && [ "$npts" -gt 1 ]; then
	# a line per point: its label (quoted, a field with spaces), the
	# cache's hit ratio and the backend's utilization, each with its
	# 95 % half-width, p99 and its interval
	awk -F, -v cache="$cache" -v be="$backend" -f scripts/csv.awk -f /dev/stdin \
		"$dir/nodes.csv" "$dir/summary.csv" > "$cachedat" <<'AWK'
	FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
	FILENAME ~ /nodes.csv$/ && $2 == cache {
		hit[$1] = $col[FILENAME, "hit_ratio"] " " $col[FILENAME, "hit_ratio_ci95"]
	}
	FILENAME ~ /nodes.csv$/ && $2 == be {
		util[$1] = $col[FILENAME, "utilization"] " " $col[FILENAME, "utilization_ci95"]
	}
	FILENAME ~ /summary.csv$/ {
		csv($0, f)
		lab[$1] = f[col[FILENAME, "label"]]; n = $1 + 1
		p99[$1] = f[col[FILENAME, "latency_p99_s"]] " " f[col[FILENAME, "latency_p99_s_lo"]] " " \
			  f[col[FILENAME, "latency_p99_s_hi"]]
	}
	END { for (p = 0; p < n; p++)
		print "\"" lab[p] "\"", (hit[p] == "" ? "NaN NaN" : hit[p]), (util[p] == "" ? "NaN NaN" : util[p]), p99[p] }
AWK
fi
if [ -n "$db" ] && [ "$npts" -gt 1 ]; then
	# by the compared parameter against the other swept one, or one line
	gc=0 xc=2
	if [ "$cmpcol" -gt 0 ] && [ "$xcol" -gt 0 ]; then gc=$cmpcol xc=$xcol; fi
	# (its ticks are the values as written, units and all)
	xlabel2=$(nice "$(head -n 1 "$dir/summary.csv" | cut -d, -f"$xc")" | sed 's/ ([^)]*)$//')
	groups2=$(awk -F, -v c="$gc" 'NR > 1 && !seen[c ? $c : "all"]++ { printf "%s ", c ? $c : "all" }' \
		"$dir/summary.csv")
	for g in $groups2; do
		# a line per point of group g: the x value as written (from
		# the label), the stale ratio, read-your-writes violations per
		# second (summed over the replications, each duration_s), and
		# the stale ratio's 95 % half-width
		awk -F, -v db="$db" -v gc="$gc" -v xc="$xc" -v g="$g" -v np="$nparams" \
			-f scripts/csv.awk -f /dev/stdin "$dir/nodes.csv" "$dir/summary.csv" >> "$staledat" <<'AWK'
	FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
	FILENAME ~ /nodes.csv$/ && $2 == db {
		st[$1] = $col[FILENAME, "stale_ratio"]
		stci[$1] = $col[FILENAME, "stale_ratio_ci95"]
		secs = $col[FILENAME, "duration_s"] * $col[FILENAME, "replications"]
		ryw[$1] = secs > 0 ? $col[FILENAME, "ryw_violations"] / secs : "NaN"
	}
	FILENAME ~ /summary.csv$/ && (gc == 0 || $gc == g) {
		csv($0, f)
		x = split(f[col[FILENAME, "label"]], v, ", ") == np ? v[xc - 1] : $xc
		print "\"" x "\"", (st[$1] == "" ? "NaN" : st[$1]), (ryw[$1] == "" ? "NaN" : ryw[$1]),
			(stci[$1] == "" ? "NaN" : stci[$1])
	}
AWK
		printf '\n\n' >> "$staledat"
	done
	# no replicas, no stale reads to chart
	awk 'NF == 4 && $2 + 0 > 0 { found = 1 } END { exit !found }' "$staledat" || : > "$staledat"
fi
# the first event store, for a sweep: a line per point with its label,
# p99 and its interval, the snapshots' share of the workers and its
# half-width, and conflicts per second (over the replications, each
# duration_s)
store="" esdat="$dir/.es.dat"
: > "$esdat"
if [ -f "$dir/nodes.csv" ]; then
	store=$(awk -F, 'NR > 1 && $3 == "eventstore" { print $2; exit }' "$dir/nodes.csv")
fi
if [ -n "$store" ] && [ "$npts" -gt 1 ]; then
	awk -F, -v es="$store" -f scripts/csv.awk -f /dev/stdin \
		"$dir/nodes.csv" "$dir/summary.csv" > "$esdat" <<'AWK'
	FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
	FILENAME ~ /nodes.csv$/ && $2 == es {
		snap[$1] = $col[FILENAME, "snapshot_utilization"] " " $col[FILENAME, "snapshot_utilization_ci95"]
		secs = $col[FILENAME, "duration_s"] * $col[FILENAME, "replications"]
		cps[$1] = secs > 0 ? $col[FILENAME, "conflicts"] / secs : "NaN"
	}
	FILENAME ~ /summary.csv$/ {
		csv($0, f)
		lab[$1] = f[col[FILENAME, "label"]]; n = $1 + 1
		p99[$1] = f[col[FILENAME, "latency_p99_s"]] " " f[col[FILENAME, "latency_p99_s_lo"]] " " \
			  f[col[FILENAME, "latency_p99_s_hi"]]
	}
	END { for (p = 0; p < n; p++)
		print "\"" lab[p] "\"", p99[p], (snap[p] == "" ? "NaN NaN" : snap[p]),
			(cps[p] == "" ? "NaN" : cps[p]) }
AWK
fi
# the first projection, and how many points its chart shows (8 at most)
proj=""
if [ -f "$dir/nodes.csv" ]; then
	proj=$(awk -F, 'NR > 1 && $3 == "projection" { print $2; exit }' "$dir/nodes.csv")
fi
nproj=$((npts < 8 ? npts : 8))
# the first queue
queue=""
if [ -f "$dir/nodes.csv" ]; then
	queue=$(awk -F, 'NR > 1 && $3 == "queue" && index($2, "[") == 0 { print $2; exit }' "$dir/nodes.csv")
fi
# whether any request took time: producers to a queue take none, and
# the latency charts' log axes need some
haslat=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "latency_p99_s") c = i; next }
	c && $c != "NaN" && $c + 0 > 0 { found = 1 } END { print found + 0 }' "$dir/summary.csv")
# whether some window refused or failed a request (throughput_time's
# right axis)
hasfail=0
[ -f "$dir/timeseries.csv" ] && hasfail=$(awk -F, 'NR > 1 && ($6 + 0 > 0 || $7 + 0 > 0) { f = 1 }
	END { print f + 0 }' "$dir/timeseries.csv")
# whether some point has intervals (two replications used or more)
withci=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "replications_used") c = i; next }
	c && $c + 0 >= 2 { found = 1 } END { print found + 0 }' "$dir/summary.csv")
# whether some point had replications that did not end healthy
unhealthy=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "healthy_end_share") c = i; next }
	c && $c != "NaN" && $c + 0 < 1 { found = 1 } END { print found + 0 }' "$dir/summary.csv")
failed="" charts="$capcharts"
for gp in plots/*.gp; do
	name=$(basename "$gp" .gp)
	[ "$name" = common ] && continue
	[ "$name" = panels ] && continue      # loaded by the charts with panels
	[ "$name" = capacity ] && continue       # drawn above, from capacity-PATH.csv
	[ "$name" = plan ] && continue           # drawn above, from plan.csv
	case $name in
	latency_cdf|latency_ccdf|latency_time|percentiles_by_point|compare_load|compare_bars)
		[ "$haslat" = 1 ] || continue ;;
	esac
	# the interval charts need intervals: two replications or more
	case $name in
	percentiles_by_point|compare_load|compare_bars)
		[ "$withci" = 1 ] || continue ;;
	esac
	case $name in
	compare_load) [ "$xcol" -gt 0 ] || continue ;;
	percentiles_by_point) [ "$npts" -gt 1 ] || continue ;;   # one point: the table says it
	compare_bars) [ -s "$bars" ] || continue ;;
	backend_share) [ "$ncols" -gt 1 ] || continue ;;
	node_time) [ -n "$nodes" ] || continue ;;
	db_time) [ -n "$dbunits" ] || continue ;;
	cache_sizing) [ -s "$cachedat" ] || continue ;;
	cache_time) [ -n "$cache" ] || continue ;;
	stale_reads) [ -s "$staledat" ] || continue ;;
	queue_time) [ -n "$queue" ] || continue ;;
	eventstore) [ -s "$esdat" ] || continue ;;
	projection_time) [ -n "$proj" ] || continue ;;
	breaker_time) [ -n "$brknodes" ] || continue ;;
	scaling) [ -n "$scaled" ] || continue ;;
	healthy_share) [ "$xcol" -gt 0 ] && [ "$unhealthy" = 1 ] || continue ;;
	esac
	# one chart that cannot be drawn (a stopped run's points without
	# data, say) does not cost the others or the report
	if ! render "$name" "$name" "nodes='$nodes'; callers='$callers'; markers='$markers'; cmpcol=$cmpcol; xcol=$xcol; groups='$groups'; xvals='$xvals'; cmplabel='$cmplabel'; xlabel_='$xlab'; bars='$bars'; share='$share'; lb='$lb'; ncols=$ncols; selpts='$selpts'; cache='$cache'; backend='$backend'; cachedat='$cachedat'; ncache=$ncache; db='$db'; staledat='$staledat'; groups2='$groups2'; xlabel2='$xlabel2'; queue='$queue'; nqueue=$nqueue; store='$store'; esdat='$esdat'; proj='$proj'; nproj=$nproj; brknodes='$brknodes'; dbunits='$dbunits'; scaled='$scaled'; names='$names'; hasfail=$hasfail; tdiv=$tdiv; tunit='$tunit'"; then
		failed="$failed $name"
		continue
	fi
	charts="$charts $name"
done
[ -n "${ARCHSIM_KEEP_TMP:-}" ] || rm -f "$markers" "$names" "$bars" "$share" "$cachedat" "$staledat" "$esdat"
echo "charts: $dir/*.png and *.svg"
ARCHSIM_CHARTS="$charts" sh scripts/html.sh "$dir" "$scenario"
if [ -n "$failed" ]; then
	echo "plot.sh: could not draw:$failed (see above)" >&2
	exit 1
fi
