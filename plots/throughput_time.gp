# throughput_time.gp - completed requests per second, and rejections and
# failures per window
load "plots/common.gp"
load markers
set title "Throughput over time (warm-up included)"
set xlabel "simulated time (s)"
set ylabel "completed requests per second"
set y2label "rejected and failed requests per window"
set y2tics
set ytics nomirror
set yrange [0:*]
set y2range [0:*]
plot for [p=0:npoints-1] dir."/timeseries.csv" every ::1 using ($1==p ? $2 : NaN):3 \
       with lines ls 1 dt p+1 title sprintf("throughput, point %d", p), \
     for [p=0:npoints-1] dir."/timeseries.csv" every ::1 using ($1==p ? $2 : NaN):6 \
       axes x1y2 with impulses ls 2 title sprintf("rejected, point %d", p), \
     for [p=0:npoints-1] dir."/timeseries.csv" every ::1 using ($1==p ? $2 : NaN):7 \
       axes x1y2 with impulses ls 4 title sprintf("failed, point %d", p)
