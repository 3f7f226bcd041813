# percentiles_by_point.gp - mean, p50, p99 latency per sweep point with 95 %
# confidence intervals (the "hockey stick" of a load sweep); a percentile's
# interval [lo, hi] need not be symmetric.  Columns are found by name, so
# sweep parameter columns may precede.
load "plots/common.gp"
set title "Latency by sweep point (95 % confidence intervals)"
# plot.sh passes sweeplabel, the first sweep parameter's path, when the
# scenario has a sweep: its values (column 2) then label the x axis
if (!exists("sweeplabel")) sweeplabel = ""
set xlabel (sweeplabel eq "" ? "sweep point" : sprintf("sweep point (%s)", sweeplabel))
set ylabel "latency (s)"
set logscale y
set xrange [-0.5:npoints-0.5]
set key top right
xl(c) = sweeplabel eq "" ? sprintf("%d", int(column(1))) : stringcolumn(2)
plot dir."/summary.csv" using 1:(column("latency_p99_s")):(column("latency_p99_s_lo")):\
       (column("latency_p99_s_hi")):xtic(xl(0)) with yerrorlines ls 2 title "p99", \
     dir."/summary.csv" using 1:(column("latency_p50_s")):(column("latency_p50_s_lo")):\
       (column("latency_p50_s_hi")) with yerrorlines ls 1 title "p50", \
     dir."/summary.csv" using 1:(column("latency_mean_s")):(column("latency_mean_s_ci95")) \
       with yerrorlines ls 3 title "mean"
