#!/bin/sh
# Render every chart in plots/ from the CSV files in DIR into DIR/*.png.
# Each PNG is drawn under a temporary name and renamed into place, so a
# failed chart never replaces a good one.
set -e
dir=${1:?usage: plot.sh RESULTS_DIR}
if [ ! -f "$dir/summary.csv" ]; then
	echo "plot.sh: $dir/summary.csv not found; run the scenario first" >&2
	exit 1
fi
# with a sweep, the summary's second column is the first sweep parameter
sweep=$(head -n 1 "$dir/summary.csv" | cut -d, -f2)
[ "$sweep" = replications ] && sweep=""
# the nodes of the node time series (point 0), for node_time.gp
nodes=""
callers=""
if [ -f "$dir/node_timeseries.csv" ]; then
	nodes=$(awk -F, 'NR > 1 && $1 == 0 && !seen[$3]++ { printf "%s ", $3 }' "$dir/node_timeseries.csv")
	# and those whose workers ever waited on calls
	col=$(head -n 1 "$dir/node_timeseries.csv" | tr , '\n' | grep -n '^calling_mean$' | cut -d: -f1)
	callers=$(awk -F, -v c="$col" 'NR > 1 && $1 == 0 && c && $c != "" && $c != "NaN" && $c + 0 > 0 \
		&& !seen[$3]++ { printf "%s ", $3 }' "$dir/node_timeseries.csv")
fi
# the timeline of point 0, as vertical lines with their labels
markers="$dir/.markers.gp"
: > "$markers"
if [ -f "$dir/timeline.csv" ]; then
	awk -F, 'NR > 1 && $1 == 0 {
		gsub(/"/, "", $6)
		printf "set arrow from %s, graph 0 to %s, graph 1 nohead lc rgb \"#888888\" dt 3\n", $2, $2
		printf "set label \"%s\" at %s, graph 0.98 right rotate by 90 font \",8\" tc rgb \"#555555\"\n", $6, $2
	}' "$dir/timeline.csv" > "$markers"
fi
# nice PATH: a swept path in words ("lb policy", "users arrival rate")
nice() {
	echo "$1" | awk -F. '{
		if ($1 == "nodes") s = $2 " " $NF
		else if ($1 == "workloads") s = $2 " " ($NF == "rate" ? "arrival rate" : $NF)
		else s = $NF
		gsub(/_/, " ", s); print s }'
}
# comparisons (compare.csv): the compared parameter, its values, and the
# other swept one when there is exactly one
cmpcol=0 xcol=0 groups="" xvals="" cmplabel="" xlab="" bars="$dir/.bars.dat" sellabel=""
selpts=$(awk -F, 'NR > 1 && $1 < 8 { printf "%s ", $1 }' "$dir/summary.csv")
nparams=$(head -n 1 "$dir/summary.csv" | tr , '\n' | grep -n '^replications$' | cut -d: -f1)
nparams=$((nparams - 2))
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
	[ "$nparams" -ge 2 ] && sellabel=$(echo "$last" | awk -F, -v c="$cmpcol" -v np="$nparams" \
		'{ s = ""; for (i = 2; i < 2 + np; i++) if (i != c) s = s (s == "" ? "" : ", ") $i; print " at " s }')
fi
# the first balancer's share per backend, for up to 8 points
share="$dir/.share.dat" lb="" ncols=0 ptlabels=""
: > "$share"
if [ -f "$dir/nodes.csv" ]; then
	lb=$(awk -F, 'NR > 1 && $3 == "balancer" { print $2; exit }' "$dir/nodes.csv")
fi
if [ -n "$lb" ]; then
	awk -F, -v lb="$lb" -v sel=" $selpts" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == "share") sc = i; next }
		index(sel, " " $1 " ") && index($2, lb "[") == 1 {
			if (!($2 in row)) { order[++n] = $2; row[$2] = $2 }
			row[$2] = row[$2] " " $sc
		}
		END { for (i = 1; i <= n; i++) print row[order[i]] }' "$dir/nodes.csv" > "$share"
	ncols=$(awk 'NR == 1 { print NF }' "$share")
	# each bar is labelled with what differs between the points shown
	ptlabels=$(awk -F, -v np="$nparams" -v c="$cmpcol" -v sel=" $selpts" 'NR > 1 && index(sel, " " $1 " ") {
		s = ""
		if (c > 0) s = $c
		else for (i = 2; i < 2 + np; i++) s = s (s == "" ? "" : ",") $i
		gsub(/ /, "_", s)
		printf "%s ", (s == "" ? "all" : s) }' "$dir/summary.csv")
fi
for gp in plots/*.gp; do
	name=$(basename "$gp" .gp)
	[ "$name" = common ] && continue
	case $name in
	compare_load) [ "$xcol" -gt 0 ] || continue ;;
	compare_bars) [ -s "$bars" ] || continue ;;
	backend_share) [ "$ncols" -gt 1 ] || continue ;;
	esac
	tmp="$dir/.$name.png.tmp"
	if gnuplot -e "dir='$dir'; out='$tmp'; sweeplabel='$sweep'; nodes='$nodes'; callers='$callers'; markers='$markers'; cmpcol=$cmpcol; xcol=$xcol; groups='$groups'; xvals='$xvals'; cmplabel='$cmplabel'; xlabel_='$xlab'; bars='$bars'; sellabel='$sellabel'; share='$share'; lb='$lb'; ncols=$ncols; ptlabels='$ptlabels'" "$gp" 2>"$dir/.$name.log"; then
		mv "$tmp" "$dir/$name.png"
		rm -f "$dir/.$name.log"
	else
		echo "plot.sh: $gp failed:" >&2
		cat "$dir/.$name.log" >&2
		rm -f "$tmp" "$dir/.$name.log"
		exit 1
	fi
done
rm -f "$markers" "$bars" "$share"
echo "charts: $dir/*.png"
