# percentiles_by_point.gp - mean, p50 and p99 latency of served requests
# per sweep point with their 95 % intervals: along the x axis the values
# of the compared parameter, a panel per setting of the others (plot.sh's
# .names.gp), so that a line only joins points that differ in one value.
load "plots/common.gp"
charttitle = "Latency of served requests by sweep point (95 % confidence intervals)"
set xlabel (linelabel eq "" ? "sweep point" : linelabel)
set ylabel "latency (s)"
set logscale y
set offsets 0, 0, graph 0.05, graph 0.05
set xrange [0.5:nlines + 0.5]
set xtics ()
do for [p=1:npoints] { set xtics add (ptline[p] ptidx[p]) }
# ticks that would run into each other are turned
chars = 0
do for [p=1:npoints] { if (ptpanel[p] == 1) { chars = chars + strlen(ptline[p]) + 2 } }
if (chars > (npanels > 1 ? 40 : 90)) { set xtics rotate by -30 }
set key outside right top nobox noopaque
load "plots/panels.gp"
f = dir."/summary.csv"
x(k) = ptpanel[int(column(1)) + 1] == k ? ptidx[int(column(1)) + 1] : NaN
do for [k=1:npanels] {
	if (!panel_served[k]) {
		# nothing served at this setting (a stopped run): left blank
		set multiplot next
		continue
	}
	if (npanels > 1) { set title panel_title[k] }
	plot f using (x(k)):(column("latency_p99_s")):(column("latency_p99_s_lo")):(column("latency_p99_s_hi")) \
	       with yerrorlines ls 2 title "p99", \
	     f using (x(k)):(column("latency_p50_s")):(column("latency_p50_s_lo")):(column("latency_p50_s_hi")) \
	       with yerrorlines ls 1 title "p50", \
	     f using (x(k)):(column("latency_mean_s")):(column("latency_mean_s_ci95")) \
	       with yerrorlines ls 3 title "mean"
}
unset multiplot
