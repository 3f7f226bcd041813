# projection_time.gp - the first projection over time, for each sweep
# point (up to 8), warm-up included: the events committed and not yet
# applied (top, log scale) and the share of its reads that were stale
# (bottom), with the timeline's entries (a rebuild) marked.  plot.sh
# passes proj and nproj (how many points: the first 8).
load "plots/common.gp"
set termoption noenhanced
if (exists("fmt") && fmt eq "svg") {
	set terminal svg size 900,700 dynamic noenhanced font "sans,10" background rgb "white"
} else {
	set terminal pngcairo size 900,700 noenhanced font "sans,10"
}
set output out
file = dir."/node_timeseries.csv"
np = nproj
shown = npoints > np ? sprintf(" (the first %d of %d points)", np, npoints) : ""
set multiplot layout 2,1 title sprintf("Projection %s over time%s", proj, shown)
load markers
# one left margin, so that the two panels' time axes line up
set lmargin 12
set xlabel tlabel
set key outside right top Left reverse width 2
if (linelabel ne "") { set key title linelabel }
set title "events committed and not yet applied, at each window's end"
set ylabel "events behind"
set logscale y
# (none behind draws at 1, the log axis's floor)
plot for [p=1:np] file every ::1 \
     using ((column(1) == p - 1 && strcol(3) eq proj) ? $2 / tdiv : NaN):(column("lag_events") > 1 ? column("lag_events") : 1) \
     with lines lw 2 lc rgb pcol(p) title ptname[p]
unset logscale y
set title "stale reads / reads, in each window"
set ylabel "stale share"
set yrange [0:1]
plot for [p=1:np] file every ::1 \
     using ((column(1) == p - 1 && strcol(3) eq proj) ? $2 / tdiv : NaN):(column("view_stale_ratio")) \
     with lines lw 2 lc rgb pcol(p) title ptname[p]
unset multiplot
