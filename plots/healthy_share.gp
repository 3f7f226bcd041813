# healthy_share.gp - the share of replications that ended healthy (the
# last tenth of the measured window failed under 1 %: they recovered from
# the fault) against the other swept path, a line per value of the
# compared one: which settings recover from which triggers.  plot.sh
# passes cmpcol, xcol, groups, xvals, cmplabel and xlabel_, as for
# compare_load.gp.
load "plots/common.gp"
set termoption noenhanced
nx = words(xvals)
idx(s) = sum [i=1:nx] (word(xvals, i) eq s ? i : 0)
set title sprintf("Replications that recovered, against %s, by %s", xlabel_, cmplabel)
set xlabel xlabel_
set ylabel "share of replications healthy at the end"
set yrange [-0.05:1.05]
set xrange [0.5:nx+0.5]
set xtics ()
do for [i=1:nx] { set xtics add (word(xvals, i) i) }
set key bottom left
if (cmplabel ne "") { set key title cmplabel }
plot for [g=1:words(groups)] dir."/summary.csv" \
    using (strcol(cmpcol) eq word(groups, g) ? idx(strcol(xcol)) : NaN):(column("healthy_end_share")) \
    with linespoints lw 2 pt 7 lc rgb pcol(g) title word(groups, g)
