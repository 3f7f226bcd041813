# capacity.gp - a capacity search (archsim capacity): the SLO's first
# metric at each probed value of the parameter, with its 95 % interval,
# the SLO's limit as a dashed line, probes that meet it in green and
# those that miss it in red, and the answer ringed.
# plot.sh passes capvar, capmetric and caplabel.  Columns of capacity.csv:
# 2 the value, 4 meets, 6 answer, then the first term's estimate, lo, hi
# and limit in 7 to 10.
load "plots/common.gp"
set termoption noenhanced
file = dir."/capacity.csv"
set title sprintf("Capacity search: %s against %s", caplabel, capvar)
set xlabel capvar
set ylabel caplabel
set key top right
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
# the limit: the same on every row
stats file every ::1 using 10 nooutput
limit = STATS_max
# a log scale when the values span more than a factor of 20
stats file every ::1 using 7 nooutput
if (STATS_min > 0 && STATS_max / STATS_min > 20) set logscale y
set arrow from graph 0, first limit to graph 1, first limit nohead lc rgb "#555555" dt 2 lw 1.5
set label sprintf("limit %g", limit) at graph 0.01, first limit offset 0, 0.7 tc rgb "#555555"
plot file every ::1 using 2:(strcol(4) eq "true" ? $7 : NaN):8:9 \
       with yerrorbars pt 7 ps 1.2 lc rgb "#2ca02c" title "meets the SLO", \
     file every ::1 using 2:(strcol(4) eq "false" ? $7 : NaN):8:9 \
       with yerrorbars pt 7 ps 1.2 lc rgb "#d62728" title "misses it", \
     file every ::1 using 2:(strcol(6) eq "true" ? $7 : NaN) \
       with points pt 6 ps 3 lw 2 lc rgb "#000000" title "the answer"
