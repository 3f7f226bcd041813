# compare_load.gp - a latency percentile against load for each value of the
# compared parameter (each balancing policy), with 95 % interval bars: the
# hockey stick of every strategy on one chart.  plot.sh passes cmpcol and
# xcol (the summary.csv columns of the compared parameter and of the other
# swept one), groups and xvals (their values, in sweep order), cmplabel,
# xlabel_ and metric (latency_p99_s by default).
load "plots/common.gp"
set termoption noenhanced
if (!exists("metric")) metric = "latency_p99_s"
nx = words(xvals)
idx(s) = sum [i=1:nx] (word(xvals, i) eq s ? i : 0)
set title sprintf("%s against %s, by %s (95 %% intervals)", \
    metric eq "latency_p99_s" ? "p99 latency" : metric eq "latency_mean_s" ? "mean latency" : metric, xlabel_, cmplabel)
set xlabel xlabel_
set ylabel "latency (s)"
set logscale y
set xrange [0.5:nx+0.5]
set xtics () 
do for [i=1:nx] { set xtics add (word(xvals, i) i) }
set key top left
if (cmplabel ne "") { set key title cmplabel }
plot for [g=1:words(groups)] dir."/summary.csv" \
    using (strcol(cmpcol) eq word(groups, g) ? idx(strcol(xcol)) + 0.04 * (g - (words(groups) + 1) / 2.0) : NaN):\
          (column(metric)):(column(metric."_lo")):(column(metric."_hi")) \
    with yerrorlines lw 2 lc rgb pcol(g) title word(groups, g)
