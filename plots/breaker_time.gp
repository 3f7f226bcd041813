# breaker_time.gp - the circuit breaker on each node's calls over time
# (point 0, warm-up included): 0 closed, 0.5 half-open, 1 open, averaged
# over each window, so a window that held a transition lies between.
# plot.sh passes brknodes, the nodes whose calls have a breaker.
load "plots/common.gp"
set termoption noenhanced
load markers
file = dir."/node_timeseries.csv"
set title sprintf("Circuit breakers over time%s (0 closed, 0.5 half-open, 1 open)", npoints > 1 ? ", ".ptname[1] : "")
set xlabel tlabel
set ylabel "breaker state (mean over the window)"
set yrange [-0.05:1.05]
set key top right
plot for [i=1:words(brknodes)] file every ::1 \
     using (($1 == 0 && strcol(3) eq word(brknodes, i)) ? $2 / tdiv : NaN):(column("breaker_state")) \
     with steps lw 2 lc i title sprintf("%s's calls", word(brknodes, i))
