# latency_cdf.gp - end-to-end latency distribution (one curve per sweep
# point, all workloads together)
load "plots/common.gp"
set title "End-to-end latency, cumulative distribution"
set xlabel "latency (s, log scale)"
set ylabel "fraction of requests at or below"
set logscale x
set format x "10^{%L}"
set yrange [0:1]
set key bottom right
plot for [p=0:npoints-1] dir."/latency.csv" every ::1 \
       using (($1==p && strcol(2) eq "all") ? $3 : NaN):5 \
     with steps lw 2 title sprintf("point %d", p)
