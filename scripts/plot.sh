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
for gp in plots/*.gp; do
	name=$(basename "$gp" .gp)
	[ "$name" = common ] && continue
	tmp="$dir/.$name.png.tmp"
	if gnuplot -e "dir='$dir'; out='$tmp'; sweeplabel='$sweep'" "$gp" 2>"$dir/.$name.log"; then
		mv "$tmp" "$dir/$name.png"
		rm -f "$dir/.$name.log"
	else
		echo "plot.sh: $gp failed:" >&2
		cat "$dir/.$name.log" >&2
		rm -f "$tmp" "$dir/.$name.log"
		exit 1
	fi
done
echo "charts: $dir/*.png"
