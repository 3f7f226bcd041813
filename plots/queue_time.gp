# queue_time.gp - the first queue's backlog (messages waiting or in
# progress, all groups) per time window, for each sweep point (up to 8),
# warm-up included: how a burst piles up and how long it takes to drain.
# plot.sh passes queue and nqueue (how many points: the first 8).
load "plots/common.gp"
set termoption noenhanced
load markers
file = dir."/node_timeseries.csv"
np = nqueue
shown = npoints > np ? sprintf(" (the first %d of %d points)", np, npoints) : ""
set title sprintf("%s: backlog over time%s", queue, shown)
set xlabel tlabel
set ylabel "messages waiting or in progress"
set yrange [0:*]
set key outside right top Left reverse width 2
if (linelabel ne "") { set key title linelabel }
plot for [p=1:np] file every ::1 \
     using ((column(1) == p - 1 && strcol(3) eq queue) ? $2 / tdiv : NaN):(column("backlog")) \
     with lines lw 2 lc rgb pcol(p) title ptname[p]
