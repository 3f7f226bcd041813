# compare_bars.gp - p50 and p99 latency for each value of the compared
# parameter (each policy) at one setting of the others (the last: the
# highest load of a load sweep), with 95 % interval bars.  plot.sh writes
# the rows to bars (label, p50, lo, hi, p99, lo, hi) and passes cmplabel
# (the setting shown is the last point's panel, .names.gp).
load "plots/common.gp"
set termoption noenhanced
set datafile separator whitespace
set title sprintf("p50 and p99 latency of served requests by %s%s (95 %% intervals)", cmplabel, \
	npanels > 1 ? ", at ".panel_title[ptpanel[npoints]] : "")
set ylabel "latency (s)"
set xlabel cmplabel
set style data histograms
set style histogram errorbars gap 1 lw 1
set style fill solid 0.7 border lc rgb "#555555"
# bars that span decades (50 s beside 50 ms) on a log axis, so that the
# small ones stay visible
stats bars using 2 nooutput
bmin = exists("STATS_min") ? STATS_min : 0
stats bars using 5 nooutput
bmax = exists("STATS_max") ? STATS_max : 0
if (bmin > 0 && bmax / bmin > 20) {
	set logscale y
	# from a power of ten, so that the smallest bars have a tick
	set yrange [10 ** floor(log10(bmin)):bmax * 2]
	set ylabel "latency (s, log scale)"
} else {
	set yrange [0:*]
}
set key top left Left reverse width 1
set xtics rotate by -30
plot bars using 2:3:4:xtic(1) ls 1 title "p50", '' using 5:6:7 ls 2 title "p99"
