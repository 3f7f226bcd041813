# db_time.gp - the first database with replicas: the utilization of its
# primary and of each replica per time window of the first sweep point,
# so that a replica's crash (its line to 0, the others rising) or a lag
# spike shows.  plot.sh passes `dbunits`, the units' names in
# node_timeseries.csv (db[0] the primary, then the replicas).
load "plots/common.gp"
load markers
set termoption noenhanced
set title sprintf("Database utilization over time: primary %s and replicas%s (warm-up included)", \
	word(dbunits, 1), npoints > 1 ? ", at ".(npanels <= 1 && linelabel ne "" ? linelabel." " : "").ptname[1] : "")
set xlabel tlabel
set ylabel "utilization (busy workers / workers, per window)"
set yrange [0:*]
set offsets 0, 0, graph 0.06, 0
set key outside right top nobox noopaque
file = dir."/node_timeseries.csv"
plot for [i=1:words(dbunits)] file every ::1 \
       using (($1 == 0 && strcol(3) eq word(dbunits, i)) ? $2 / tdiv : NaN):(column("utilization")) \
       with lines lw 2 lc rgb pcol(i) title (i == 1 ? word(dbunits, i)." (primary)" : word(dbunits, i))
