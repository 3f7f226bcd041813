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
for gp in plots/*.gp; do
	name=$(basename "$gp" .gp)
	[ "$name" = common ] && continue
	tmp="$dir/.$name.png.tmp"
	if gnuplot -e "dir='$dir'; out='$tmp'; sweeplabel='$sweep'; nodes='$nodes'; callers='$callers'; markers='$markers'" "$gp" 2>"$dir/.$name.log"; then
		mv "$tmp" "$dir/$name.png"
		rm -f "$dir/.$name.log"
	else
		echo "plot.sh: $gp failed:" >&2
		cat "$dir/.$name.log" >&2
		rm -f "$tmp" "$dir/.$name.log"
		exit 1
	fi
done
rm -f "$markers"
echo "charts: $dir/*.png"
