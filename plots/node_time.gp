# node_time.gp - per node, workers holding a request, and for the nodes
# that make calls, those of them waiting on calls, per time window (point
# 0): a slow callee fills its callers' pools.  plot.sh passes `nodes`, the
# names in node_timeseries.csv, and `callers`, those that made calls.
load "plots/common.gp"
set termoption noenhanced
load markers
if (!exists("nodes")) nodes = ""
if (!exists("callers")) callers = ""
set title "Busy workers over time, point 0 (warm-up included)"
set xlabel "simulated time (s)"
set ylabel "workers holding a request (mean over the window)"
set yrange [0:*]
set key top right
file = dir."/node_timeseries.csv"
busy = 6
calling = 7
plot for [i=1:words(nodes)] file every ::1 \
       using (($1==0 && strcol(3) eq word(nodes, i)) ? $2 : NaN):busy \
       with lines lw 2 lc i title word(nodes, i), \
     for [i=1:words(callers)] file every ::1 \
       using (($1==0 && strcol(3) eq word(callers, i)) ? $2 : NaN):calling \
       with lines lw 1 dt 2 lc rgb "#333333" title sprintf("%s, waiting on calls", word(callers, i))
