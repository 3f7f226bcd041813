# common.gp - settings shared by every archsim chart.
# Each chart script is run as: gnuplot -e "dir='results/NAME'; out='FILE.png'" plots/CHART.gp
set datafile separator ","
set datafile missing "NaN"
# fmt (plot.sh passes it): png, or svg for the same chart as vectors
if (exists("fmt") && fmt eq "svg") {
	set terminal svg size 900,540 dynamic noenhanced font "sans,10" background rgb "white"
} else {
	set terminal pngcairo size 900,540 noenhanced font "sans,10"
}
set output out
set grid lc rgb "#dddddd"
set key top left box opaque
set border lc rgb "#555555"
set style line 1 lc rgb "#1f77b4" lw 2
set style line 2 lc rgb "#d62728" lw 2
set style line 3 lc rgb "#2ca02c" lw 2
set style line 4 lc rgb "#9467bd" lw 2
# twenty colours, so that no chart of up to twenty lines repeats one:
# pcol(i) is line i's (from 1)
array palette[20] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", \
	"#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#393b79", "#ad494a", \
	"#637939", "#7b4173", "#e7ba52", "#843c39", "#3182bd", "#31a354", "#636363", "#9c9ede"]
pcol(i) = palette[(int(i) > 0 ? int(i) - 1 : 0) % 20 + 1]
# text is never markup: round_robin keeps its underscore
set termoption noenhanced
# the time axis's unit (plot.sh passes tdiv and tunit: s, min or h)
if (!exists("tdiv")) { tdiv = 1; tunit = "s" }
tlabel = sprintf("simulated time (%s)", tunit)
# the points' names and panels (plot.sh writes them): ptname[p + 1] is
# point p's label; ptpanel, ptidx and ptline its panel, its line there and
# that line's label; npanels panels of panel_title
npanels = 1
if (exists("names") && names ne "" && system("test -s '".names."' && echo y") eq "y") {
	load names
}
# number of sweep points: the largest value in column 1 of summary.csv,
# plus one (a capacity search writes no summary.csv)
if (system("test -f '".dir."/summary.csv' && echo y") eq "y") {
	stats dir."/summary.csv" using 1 nooutput
	npoints = int(STATS_max) + 1
}
