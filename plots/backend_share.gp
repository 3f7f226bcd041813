# backend_share.gp - each backend's share of a balancer's requests (or each
# shard's share of a shards node's, when there is no balancer), a bar
# group per backend and a bar per sweep point (up to 8): the imbalance a
# policy or a layer leaves.  plot.sh writes share (backend, then a column
# per point, then each point's even share) and passes lb, ncols and
# selpts (the points shown; their names are common.gp's ptname).
load "plots/common.gp"
set termoption noenhanced
set datafile separator whitespace
# the bars are the compared values at the last setting of the others
# (cmpcol > 0), or else the first points, each named in full
set ylabel "share of requests"
set xlabel "backend or shard"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7 border lc rgb "#555555"
set key outside right top Left reverse width 2
if (cmplabel ne "") { set key title cmplabel }
set xtics rotate by -30
bartitle(p) = cmpcol > 0 ? ptline[p] : ptname[p]
nbar = ncols - 1
stats share using (1) nooutput
nb = STATS_records
# each bar's even share (nodes.csv's even_share: split among the backends
# or shards available at the time, by weight) is a dash across the bar;
# without it (an older nodes.csv) a dashed line at 1 / the backends
haseven = 0
ymax = 0
do for [i=2:2 * nbar + 1] {
	# (on a column with no number, an old nodes.csv's or an idle
	# point's, stats leaves STATS_records undefined)
	stats share using (column(i)) nooutput
	if (exists("STATS_records") && STATS_records > 0) {
		ymax = STATS_max > ymax ? STATS_max : ymax
		if (i > ncols) { haseven = 1 }
	}
}
set title sprintf("Share of %s's requests per backend or shard%s\n(%s)", lb, \
	cmpcol > 0 && npanels > 1 ? ", at ".panel_title[ptpanel[npoints]] : "", \
	haseven ? "dashes: the even share among those up at the time" : "dashed: an even share")
# room above the tallest bar or dash, so that none is cut
set yrange [0:ymax * 1.08]
# bar i (from 0) of a cluster, at x = the cluster's number + barx(i)
bw = 1.0 / (nbar + 1)
barx(i) = (i - (nbar - 1) / 2.0) * bw
if (haseven) {
	plot for [i=2:ncols] share using i:xtic(1) lc rgb pcol(i - 1) title bartitle(int(word(selpts, i - 1)) + 1), \
	     for [i=2:ncols] share using ($0 + barx(i - 2) - bw / 2):(column(i + nbar)):(bw):(0) \
		with vectors nohead dt 2 lw 2 lc rgb "#222222" notitle
} else {
	plot for [i=2:ncols] share using i:xtic(1) lc rgb pcol(i - 1) title bartitle(int(word(selpts, i - 1)) + 1), \
	     1.0 / nb with lines dt 2 lc rgb "#555555" notitle
}
