# latency_time.gp - p50 and p99 latency per time window (mean over replications)
load "plots/common.gp"
load markers
set title "Latency over time (warm-up included)"
set xlabel "simulated time (s)"
set ylabel "latency (s)"
set logscale y
plot for [p=0:npoints-1] dir."/timeseries.csv" every ::1 using ($1==p ? $2 : NaN):5 \
       with lines ls 2 dt p+1 title sprintf("p99, point %d", p), \
     for [p=0:npoints-1] dir."/timeseries.csv" every ::1 using ($1==p ? $2 : NaN):4 \
       with lines ls 1 dt p+1 title sprintf("p50, point %d", p)
