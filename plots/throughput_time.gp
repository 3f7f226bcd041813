# throughput_time.gp - completed requests per second per time window
# (solid, left axis) and requests refused or failed per window (dashed,
# right axis), mean over replications, warm-up included: a line per value
# of the compared parameter, a panel per setting of the others.
load "plots/common.gp"
load markers
# (plot.sh passes hasfail: 1 when some window refused or failed a
# request; without, no right axis)
if (!exists("hasfail")) { hasfail = 1 }
charttitle = hasfail ? "Throughput over time: served solid, refused or failed dashed (right axis)" : \
	"Throughput over time (nothing refused or failed)"
set xlabel tlabel
set ylabel "completed requests per second"
if (hasfail) {
	set y2label "refused and failed requests per window"
	set y2tics
	set ytics nomirror
	set y2range [0:*]
}
set yrange [0:*]
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
	if (hasfail) {
		plot for [p=0:npoints-1] f every ::1 using (($1 == p && ptpanel[p + 1] == k) ? $2 / tdiv : NaN):3 \
		       with lines lw 2 lc rgb pcol(ptidx[p + 1]) title (ptpanel[p + 1] == k ? ptline[p + 1] : ""), \
		     for [p=0:npoints-1] f every ::1 \
		       using (($1 == p && ptpanel[p + 1] == k) ? $2 / tdiv : NaN):($6 + $7) \
		       axes x1y2 with lines lw 1 dt 2 lc rgb pcol(ptidx[p + 1]) notitle
	} else {
		plot for [p=0:npoints-1] f every ::1 using (($1 == p && ptpanel[p + 1] == k) ? $2 / tdiv : NaN):3 \
		       with lines lw 2 lc rgb pcol(ptidx[p + 1]) title (ptpanel[p + 1] == k ? ptline[p + 1] : "")
	}
}
unset multiplot
