# latency_cdf.gp - cumulative distribution of served latencies (pooled
# over replications, all workloads together): a curve per value of the
# compared parameter, a panel per setting of the others.
load "plots/common.gp"
charttitle = "End-to-end latency of served requests, cumulative distribution"
set xlabel "latency (s, log scale)"
set ylabel "fraction of served requests at or below"
set logscale x
set yrange [0:1]
set key outside right top nobox noopaque
if (linelabel ne "") set key title linelabel
f = dir."/latency.csv"
# the x axis from the 0.1st percentile of the fastest curve: the first
# buckets hold a handful of latencies that would push the curves right
stats f every ::1 using ((strcol(2) eq "all" && $5 >= 0.001) ? $3 : NaN) nooutput
if (exists("STATS_min") && STATS_min > 0) {
	set xrange [10 ** floor(log10(STATS_min)):*]
}
set format x "%g"
load "plots/panels.gp"
do for [k=1:npanels] {
	if (!panel_served[k]) {
		# nothing served at this setting (a stopped run): left blank
		set multiplot next
		continue
	}
	if (npanels > 1) { set title panel_title[k] }
	plot for [p=0:npoints-1] f every ::1 \
	       using (($1 == p && ptpanel[p + 1] == k && strcol(2) eq "all") ? $3 : NaN):5 \
	       with steps lw 2 lc rgb pcol(ptidx[p + 1]) title (ptpanel[p + 1] == k ? ptline[p + 1] : "")
}
unset multiplot
