# latency_time.gp - p99 (solid) and p50 (dashed) latency per time window,
# pooled over replications, warm-up included: a line per value of the
# compared parameter, a panel per setting of the others (plot.sh's
# .names.gp), so that lines stay few enough to tell apart.
load "plots/common.gp"
load markers
charttitle = "Latency over time: p99 solid, p50 dashed (warm-up included)"
set xlabel tlabel
set ylabel "latency (s)"
set logscale y
# a window without a percentile (nothing served) breaks its line: the
# ($5) form makes NaN undefined, where a bare column would be skipped
# and the line drawn across the gap
set key outside right top nobox noopaque
if (linelabel ne "") set key title linelabel
load "plots/panels.gp"
f = dir."/timeseries.csv"
do for [k=1:npanels] {
	if (!panel_served[k]) {
		# nothing served at this setting (a stopped run): left blank
		set multiplot next
		continue
	}
	if (npanels > 1) { set title panel_title[k] }
	plot for [p=0:npoints-1] f every ::1 using (($1 == p && ptpanel[p + 1] == k) ? $2 / tdiv : NaN):($5) \
	       with lines lw 2 lc rgb pcol(ptidx[p + 1]) title (ptpanel[p + 1] == k ? ptline[p + 1] : ""), \
	     for [p=0:npoints-1] f every ::1 using (($1 == p && ptpanel[p + 1] == k) ? $2 / tdiv : NaN):($4) \
	       with lines lw 1 dt 2 lc rgb pcol(ptidx[p + 1]) notitle
}
unset multiplot
