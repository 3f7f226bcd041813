# scaling.gp - a node whose replica count changes (an autoscaler, or the
# timeline's `scale`): three panels on one time axis, so that cause and
# effect line up: the requests served per second, the replicas (taking
# requests solid, set dashed: the gap is replicas starting), and the p99
# latency of each window.  A line per sweep point (up to eight), pooled
# over replications, warm-up included.  plot.sh passes `scaled`, the
# nodes in node_timeseries.csv whose replica count changes; the first is
# drawn.  The key, once, beside the top panel.
load "plots/common.gp"
load markers
node = word(scaled, 1)
np = npoints < 8 ? npoints : 8
if (exists("fmt") && fmt eq "svg") {
	set terminal svg size 900,820 dynamic noenhanced font "sans,10" background rgb "white"
} else {
	set terminal pngcairo size 900,820 noenhanced font "sans,10"
}
set output out
set key outside right top nobox noopaque
if (np > 1 && linelabel ne "") set key title linelabel
set lmargin 12
set rmargin 22
ts = dir."/timeseries.csv"
nts = dir."/node_timeseries.csv"
label(p) = np > 1 ? ptname[p + 1] : ""
set multiplot layout 3, 1 title sprintf("Scaling of %s over time (warm-up included)", node)
set title "requests served per second" offset 0, -0.6
set ylabel "requests / s"
set yrange [0:*]
set format x ""
set xlabel ""
set bmargin 1
plot for [p=0:np-1] ts every ::1 using (($1 == p) ? $2 / tdiv : NaN):(column("throughput_per_s")) \
       with lines lw 2 lc rgb pcol(p + 1) title label(p)
# the key once, beside the top panel; the margins keep the axes aligned
unset key
set title sprintf("replicas of %s: taking requests (solid), set (dashed)", node)
set ylabel "replicas"
set tmargin 2
plot for [p=0:np-1] nts every ::1 using (($1 == p && strcol(3) eq node) ? $2 / tdiv : NaN):(column("replicas_ready")) \
       with lines lw 2 lc rgb pcol(p + 1) notitle, \
     for [p=0:np-1] nts every ::1 using (($1 == p && strcol(3) eq node) ? $2 / tdiv : NaN):(column("replicas")) \
       with lines lw 1 dt 2 lc rgb pcol(p + 1) notitle
set title "p99 latency of each window (end to end)"
set ylabel "p99 latency (s)"
set logscale y
set yrange [*:*]
set format x "%g"
set xlabel tlabel
set bmargin 3
# a window with no p99 (nothing served) breaks the line
plot for [p=0:np-1] ts every ::1 using (($1 == p) ? $2 / tdiv : NaN):($5) \
       with lines lw 2 lc rgb pcol(p + 1) notitle
unset multiplot
