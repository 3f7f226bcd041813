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
load "plots/panels.gp"
f = dir."/latency.csv"
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
