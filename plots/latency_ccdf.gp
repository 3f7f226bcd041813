# latency_ccdf.gp - the tail: the share of served requests slower than x,
# log-log (pooled over replications, all workloads together), a curve per
# value of the compared parameter, a panel per setting of the others.
# p99 is where a curve crosses 0.01, p99.9 where it crosses 0.001 (the
# dotted lines).
load "plots/common.gp"
charttitle = "End-to-end latency of served requests: the tail (share slower than x)"
set xlabel "latency (s, log scale)"
set ylabel "share of served requests slower (log scale)"
set logscale xy
set yrange [1e-5:1]
set key outside right top nobox noopaque
if (linelabel ne "") set key title linelabel
set arrow from graph 0, first 0.01 to graph 1, first 0.01 nohead lc rgb "#bbbbbb" dt 3
set arrow from graph 0, first 0.001 to graph 1, first 0.001 nohead lc rgb "#bbbbbb" dt 3
f = dir."/latency.csv"
# the x axis from the 0.1st percentile of the fastest curve: the first
# buckets hold a handful of latencies that would push the curves right
stats f every ::1 using ((strcol(2) eq "all" && $5 >= 0.001) ? $3 : NaN) nooutput
if (exists("STATS_min") && STATS_min > 0) {
	set xrange [10 ** floor(log10(STATS_min)):*]
}
set format x "%g"
set format y "%g"
load "plots/panels.gp"
do for [k=1:npanels] {
	if (!panel_served[k]) {
		# nothing served at this setting (a stopped run): left blank
		set multiplot next
		continue
	}
	if (npanels > 1) { set title panel_title[k] }
	plot for [p=0:npoints-1] f every ::1 \
	       using (($1 == p && ptpanel[p + 1] == k && strcol(2) eq "all" && $5 < 1) ? $3 : NaN):(1 - $5) \
	       with steps lw 2 lc rgb pcol(ptidx[p + 1]) title (ptpanel[p + 1] == k ? ptline[p + 1] : "")
}
unset multiplot
