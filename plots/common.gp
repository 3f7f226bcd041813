# common.gp - settings shared by every archsim chart.
# Each chart script is run as: gnuplot -e "dir='results/NAME'; out='FILE.png'" plots/CHART.gp
set datafile separator ","
set datafile missing "NaN"
# fmt (plot.sh passes it): png, or svg for the same chart as vectors
if (exists("fmt") && fmt eq "svg") {
	set terminal svg size 900,540 dynamic enhanced font "sans,10" background rgb "white"
} else {
	set terminal pngcairo size 900,540 enhanced font "sans,10"
}
set output out
set grid lc rgb "#dddddd"
set key top left box opaque
set border lc rgb "#555555"
set style line 1 lc rgb "#1f77b4" lw 2
set style line 2 lc rgb "#d62728" lw 2
set style line 3 lc rgb "#2ca02c" lw 2
set style line 4 lc rgb "#9467bd" lw 2
# number of sweep points: the largest value in column 1 of summary.csv,
# plus one (a capacity search writes no summary.csv)
if (system("test -f ".dir."/summary.csv && echo y") eq "y") {
	stats dir."/summary.csv" using 1 nooutput
	npoints = int(STATS_max) + 1
}
