# cache_sizing.gp - for a sweep (of a cache's capacity, say): the first
# cache's hit ratio and its backend's utilization (left axis), and p99
# latency with its 95 % interval (right axis), at each sweep point: the
# capacity-planning chart of a data tier, each with its 95 % interval.
# plot.sh writes cachedat (the point's label, hit ratio and backend
# utilization each with its half-width, p99, its lo and hi) and passes
# cache and backend.
load "plots/common.gp"
set termoption noenhanced
set datafile separator whitespace
set title sprintf("%s: hit ratio, %s utilization and p99 by %s\n(bars: 95 %% intervals)", cache, backend, linelabel eq "" ? "sweep point" : linelabel)
set xlabel (linelabel eq "" ? "sweep point" : linelabel)
set ylabel "ratio"
set y2label "p99 latency (ms)"
set yrange [0:1.05]
set offsets 0.3, 0.3, 0, 0
set y2range [0:*]
set ytics nomirror
set y2tics
set key bottom right
# (a half-width NaN, one replication, draws the line without its bar)
plot cachedat using 0:2:($3 == $3 ? $3 : 0):xtic(1) with yerrorlines ls 1 pt 7 title "hit ratio", \
     cachedat using 0:4:($5 == $5 ? $5 : 0) with yerrorlines ls 3 pt 5 title sprintf("%s utilization", backend), \
     cachedat using 0:($6 * 1000):($7 * 1000):($8 * 1000) axes x1y2 with yerrorlines ls 2 pt 9 \
       title "p99 (right axis)"
