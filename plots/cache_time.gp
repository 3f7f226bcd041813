# cache_time.gp - the first cache's hit ratio (top) and the requests it
# sent to its backend per second (bottom), per time window, for each
# sweep point (up to 4), warm-up included: a cold start, a flush or an
# expiry wave shows as a dip above and a spike below.  plot.sh passes
# cache and ncache (how many points: the first 4).
load "plots/common.gp"
set termoption noenhanced
load markers
if (exists("fmt") && fmt eq "svg") {
	set terminal svg size 900,720 dynamic noenhanced font "sans,10" background rgb "white"
} else {
	set terminal pngcairo size 900,720 noenhanced font "sans,10"
}
set output out
file = dir."/node_timeseries.csv"
np = ncache
set multiplot layout 2,1
# plot.sh gives the first 4 points; the title says so when there are more
shown = npoints > np ? sprintf(" (the first %d of %d points)", np, npoints) : ""
set title sprintf("%s: hit ratio per window%s", cache, shown)
set ylabel "hit ratio"
set yrange [*:1]
set key outside right top Left reverse width 2
if (linelabel ne "") { set key title linelabel }
plot for [p=1:np] file every ::1 \
     using ((column(1) == p - 1 && strcol(3) eq cache) ? $2 / tdiv : NaN):(column("hit_ratio")) \
     with lines lw 2 lc rgb pcol(p) title ptname[p]
set title sprintf("Requests %s sent to its backend", cache)
set xlabel tlabel
set ylabel "requests per second"
set yrange [0:*]
set key outside right top Left reverse width 2
plot for [p=1:np] file every ::1 \
     using ((column(1) == p - 1 && strcol(3) eq cache) ? $2 / tdiv : NaN):(column("backend_per_s")) \
     with lines lw 2 lc rgb pcol(p) title ptname[p]
unset multiplot
