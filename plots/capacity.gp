# capacity.gp - a capacity search (archsim capacity): the SLO's first
# metric at each probed value of the parameter, with its 95 % interval,
# the SLO's limit as a dashed line, probes that meet it in green and
# those that miss it in red, and the answer ringed.
# plot.sh passes capfile (a capacity-PATH.csv), capvar, capmetric and
# caplabel.  Its columns:
# 2 the value, 4 meets, 6 answer, then each term's estimate, lo, hi and
# limit, four columns a term from 7.
load "plots/common.gp"
set termoption noenhanced
file = capfile
set title sprintf("Capacity search: %s against %s\n(bars: 95 %% intervals, where wider than the marks)", caplabel, capvar)
set xlabel capvar
set ylabel caplabel
# the legend beside the chart, never over a probe
set key outside right top vertical
set offsets 0, 0, graph 0.05, graph 0.05
# the values probed: a log axis when they span decades (a search that
# doubles: 1, 2, 4 ... 32 evenly spaced), else a margin that does not run
# below 0 for values that cannot
stats file every ::1 using 2 nooutput
xlo = STATS_min
xhi = STATS_max
if (xlo > 0 && xhi / xlo > 20) {
	set logscale x
	set xrange [xlo / 1.5:xhi * 1.5]
	set xtics xlo, 2      # a tick at every doubling from the first
	set format x "%g"
} else {
	xpad = (xhi > xlo ? (xhi - xlo) : (xhi != 0 ? abs(xhi) : 1)) * 0.05
	set xrange [(xlo >= 0 && xlo - xpad < 0 ? 0 : xlo - xpad):xhi + xpad]
}
# the term drawn is in columns capcol (estimate), +1 and +2 (its
# interval) and +3 (its limit); plot.sh picks the one that decided
c = capcol
# the limit: the same on every row
stats file every ::1 using (column(c + 3)) nooutput
limit = STATS_max
# a log scale when the positive estimates and the limit span more than a
# factor of 20 (a share refused falls from 0.9 to 0.0005); an estimate of
# 0 has no place on it, and a label says so
stats file every ::1 using (column(c) <= 0 ? 1 : 0) nooutput
zeros = STATS_sum
lmin = limit
lmax = limit
if (STATS_records > zeros) {
	stats file every ::1 using (column(c) > 0 ? column(c) : NaN) nooutput
	lmin = STATS_min < limit ? STATS_min : limit
	lmax = STATS_max > limit ? STATS_max : limit
}
if (lmin > 0 && lmax / lmin > 20) {
	set logscale y
	set yrange [lmin / 3:lmax * 3]
	if (zeros > 0) {
		set label sprintf(zeros == 1 ? "%d estimate of 0 is below the axis" : \
				  "%d estimates of 0 are below the axis", zeros) \
			at graph 0.99, graph 0.04 right tc rgb "#555555"
	}
} else {
	# the range holds the intervals and the limit, whichever is wider
	stats file every ::1 using (column(c + 1)) nooutput
	ylo = STATS_min < limit ? STATS_min : limit
	stats file every ::1 using (column(c + 2)) nooutput
	yhi = STATS_max > limit ? STATS_max : limit
	pad = (yhi - ylo) * 0.08
	if (pad <= 0) {
		pad = (yhi > 0 ? yhi : 1) * 0.1
	}
	if (ylo >= 0 && ylo - pad < 0) {
		set yrange [0:yhi + pad]
	} else {
		set yrange [ylo - pad:yhi + pad]
	}
}
set arrow from graph 0, first limit to graph 1, first limit nohead lc rgb "#555555" dt 2 lw 1.5
set label sprintf("limit %g", limit) at graph 0.99, first limit right offset 0, 0.7 tc rgb "#555555"
# the key shows plain marks; the title says what the bars are
plot file every ::1 using 2:(strcol(4) eq "true" ? column(c) : NaN):(column(c + 1)):(column(c + 2)) \
       with yerrorbars pt 7 ps 1.2 lc rgb "#2ca02c" notitle, \
     file every ::1 using 2:(strcol(4) eq "false" ? column(c) : NaN):(column(c + 1)):(column(c + 2)) \
       with yerrorbars pt 7 ps 1.2 lc rgb "#d62728" notitle, \
     NaN with points pt 7 ps 1.2 lc rgb "#2ca02c" title "meets the SLO", \
     NaN with points pt 7 ps 1.2 lc rgb "#d62728" title "misses it", \
     file every ::1 using 2:(strcol(6) eq "true" ? column(c) : NaN) \
       with points pt 6 ps 3 lw 2 lc rgb "#000000" title "the answer"
