# eventstore.gp - for a sweep (of an event store's snapshot_every, say):
# at each sweep point, the requests' p99 latency (left, log scale), the
# share of the store's workers spent on snapshots (middle) and the
# conflicts per second (right), the first two with their 95 %
# intervals.  plot.sh writes esdat (the point's label; p99, its lo and
# hi; the snapshot share and its half-width; conflicts per second) and
# passes store.
load "plots/common.gp"
set termoption noenhanced
set datafile separator whitespace
if (exists("fmt") && fmt eq "svg") {
	set terminal svg size 1200,450 dynamic noenhanced font "sans,10" background rgb "white"
} else {
	set terminal pngcairo size 1200,450 noenhanced font "sans,10"
}
set output out
xl = linelabel eq "" ? "sweep point" : linelabel
set multiplot layout 1,3 title sprintf("%s: latency, snapshot load and conflicts by %s (bars: 95 %% intervals)", store, xl)
set xlabel xl
set offsets 0.3, 0.3, 0, 0
unset key
set title "p99 latency of the requests (ms)"
set logscale y
set ylabel "ms"
plot esdat using 0:($2 * 1000):($3 * 1000):($4 * 1000):xtic(1) with yerrorlines ls 2 pt 7
unset logscale y
set yrange [0:*]
set title "workers busy with snapshots (%)"
set ylabel "% of the workers"
plot esdat using 0:($5 * 100):($6 == $6 ? $6 * 100 : 0):xtic(1) with yerrorlines ls 1 pt 7
set title "conflicts per second"
set ylabel "conflicts / s"
plot esdat using 0:7:xtic(1) with linespoints ls 3 pt 7
unset multiplot
