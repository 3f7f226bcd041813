# node_time.gp - per node, workers holding a request (solid), and for the
# nodes that make calls, those of them waiting on calls (dashed, the
# node's colour), per time window of the first sweep point: a slow callee
# fills its callers' pools.  plot.sh passes `nodes`, the names in
# node_timeseries.csv, and `callers`, those that made calls.
load "plots/common.gp"
load markers
if (!exists("nodes")) nodes = ""
if (!exists("callers")) callers = ""
set title sprintf("Busy workers over time%s%s (warm-up included)", \
	npoints > 1 ? ", at ".(npanels <= 1 && linelabel ne "" ? linelabel." " : "").ptname[1] : "", \
	words(callers) > 0 ? ": holding a request solid, waiting on calls dashed" : "")
set xlabel tlabel
set ylabel "workers (mean over the window)"
set yrange [0:*]
set offsets 0, 0, graph 0.06, 0
set key outside right top nobox noopaque
file = dir."/node_timeseries.csv"
at(s) = sum [j=1:words(nodes)] (word(nodes, j) eq s ? j : 0)
plot for [i=1:words(nodes)] file every ::1 \
       using (($1 == 0 && strcol(3) eq word(nodes, i)) ? $2 / tdiv : NaN):(column("busy_mean")) \
       with lines lw 2 lc rgb pcol(i) title word(nodes, i), \
     for [i=1:words(callers)] file every ::1 \
       using (($1 == 0 && strcol(3) eq word(callers, i)) ? $2 / tdiv : NaN):(column("calling_mean")) \
       with lines lw 2 dt 2 lc rgb pcol(at(word(callers, i))) title sprintf("%s, waiting", word(callers, i))
