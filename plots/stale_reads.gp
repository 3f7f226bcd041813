# stale_reads.gp - the first database's share of stale reads (left) and
# read-your-writes violations per second (right) by sweep point, one line
# per value of the compared parameter (the routing, say) when there is
# one.  plot.sh writes staledat: a block per group, each line the point's
# label, stale ratio, violations per second and the stale ratio's 95 %
# half-width (its error bars), and passes db, groups2 and xlabel2.
load "plots/common.gp"
set termoption noenhanced
set datafile separator whitespace
if (exists("fmt") && fmt eq "svg") {
	set terminal svg size 900,540 dynamic noenhanced font "sans,10" background rgb "white"
} else {
	set terminal pngcairo size 900,540 noenhanced font "sans,10"
}
set output out
ng = words(groups2)
set multiplot layout 1,2 title sprintf("Database %s: stale reads", db)
set xlabel xlabel2
set ylabel "stale reads / reads"
set yrange [0:*]
set key top left
set offsets 0.25, 0.25, 0, 0
set title "share of reads (bars: 95 % intervals)"
plot for [g=1:ng] staledat index g - 1 using 0:2:($4 == $4 ? $4 : 0):xtic(1) with yerrorlines \
     lw 2 pt 7 lc rgb pcol(g) title word(groups2, g)
unset title
set ylabel "read-your-writes violations per second"
plot for [g=1:ng] staledat index g - 1 using 0:3:xtic(1) with linespoints lw 2 pt 7 lc rgb pcol(g) \
     title word(groups2, g)
unset multiplot
