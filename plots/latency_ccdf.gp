# latency_ccdf.gp - the tail of the end-to-end latency distribution: the
# share of requests slower than each latency, both axes logarithmic, one
# curve per sweep point (all workloads together).  p99 is where a curve
# crosses 10^-2, p99.9 where it crosses 10^-3; a straight line on these
# axes is a power-law tail, a bend down an exponential one.
load "plots/common.gp"
set title "End-to-end latency: the tail (share of requests slower than x)"
set xlabel "latency (s, log scale)"
set ylabel "share of requests slower (log scale)"
set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set yrange [1e-5:1]
set key top right
set arrow from graph 0, first 0.01 to graph 1, first 0.01 nohead lc rgb "#bbbbbb" dt 3
set arrow from graph 0, first 0.001 to graph 1, first 0.001 nohead lc rgb "#bbbbbb" dt 3
plot for [p=0:npoints-1] dir."/latency.csv" every ::1 \
       using (($1==p && strcol(2) eq "all" && $5 < 1) ? $3 : NaN):(1 - $5) \
     with steps lw 2 title sprintf("point %d", p)
