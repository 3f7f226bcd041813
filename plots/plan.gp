# plan.gp - the cheapest plan (archsim capacity with several paths): each
# combination searched, at the least value of the last path that meets
# the SLO there, as the metric minimised (cost) against the SLO's first
# latency term, with that term's 95 % interval; the SLO's limit dashed,
# the Pareto front joined, the answer and the runner-up named.
# plot.sh passes plandat (.plan.dat: x, x_lo, x_hi, y, meets, front,
# rank, label), planx and plany (the axes' words) and planlimit.
load "plots/common.gp"
set termoption noenhanced
# .plan.dat is plot.sh's, separated by blanks, its label quoted
set datafile separator whitespace
set title sprintf("Cheapest plan: %s against %s at each combination searched\n(bars: 95 %% intervals; the front: none cheaper and faster)", plany, planx)
set xlabel planx
set ylabel plany
set key outside right top vertical nobox
set offsets graph 0.05, graph 0.05, graph 0.08, graph 0.08
# a log axis when the latencies span more than a factor of 20 (a
# combination that misses by seconds beside ones that meet in ms)
stats plandat using 1 nooutput
xlo = STATS_min < planlimit ? STATS_min : planlimit
xhi = STATS_max > planlimit ? STATS_max : planlimit
if (xlo > 0 && xhi / xlo > 20) {
	set logscale x
	set offsets 0, 0, graph 0.08, graph 0.08
	set xrange [xlo / 1.5:xhi * 1.5]
}
set arrow from planlimit, graph 0 to planlimit, graph 1 nohead dt 2 lc rgb "#555555"
set label "SLO limit" at planlimit, graph 1 right offset -0.5, -1 tc rgb "#555555"
# the front, in order of the latency term
set table $front
plot plandat using ($6 == 1 ? $1 : NaN):4 with table
unset table
plot $front using 1:2 smooth unique with lines lw 1.5 lc rgb "#2ca02c" title "Pareto front", \
     plandat using ($5 == 1 ? $1 : NaN):4:2:3 with xerrorbars pt 7 ps 0.9 lc rgb "#2ca02c" title "meets SLO", \
     plandat using ($5 == 0 ? $1 : NaN):4:2:3 with xerrorbars pt 2 ps 0.9 lc rgb "#d62728" title "misses at max", \
     plandat using ($7 == 1 ? $1 : NaN):4 with points pt 6 ps 2.6 lw 2 lc rgb "#1f77b4" title "answer", \
     plandat using ($7 == 1 ? $1 : NaN):4:("answer: ".strcol(8)) \
       with labels left offset 1.8, 0 font ",9" tc rgb "#1f77b4" notitle, \
     plandat using ($7 == 2 ? $1 : NaN):4:("runner-up: ".strcol(8)) \
       with labels left offset 1.8, 0 font ",9" tc rgb "#555555" notitle
