# backend_share.gp - each backend's share of a balancer's requests (or each
# shard's share of a shards node's, when there is no balancer), a bar
# group per backend and a bar per sweep point (up to 8): the imbalance a
# policy or a layer leaves.  plot.sh writes share (backend, then a column
# per point) and passes lb, ncols and selpts (the points shown; their
# names are common.gp's ptname).
load "plots/common.gp"
set termoption noenhanced
set datafile separator whitespace
# the bars are the compared values at the last setting of the others
# (cmpcol > 0), or else the first points, each named in full
set title sprintf("Share of %s's requests per backend or shard%s (even share: dashed)", lb, \
	cmpcol > 0 && npanels > 1 ? ", at ".panel_title[ptpanel[npoints]] : "")
set ylabel "share of requests"
set xlabel "backend or shard"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7 border lc rgb "#555555"
set yrange [0:*]
set key outside right top Left reverse width 2
if (cmplabel ne "") { set key title cmplabel }
set xtics rotate by -30
bartitle(p) = cmpcol > 0 ? ptline[p] : ptname[p]
stats share using 2 nooutput
nb = STATS_records
plot for [i=2:ncols] share using i:xtic(1) lc rgb pcol(i - 1) title bartitle(int(word(selpts, i - 1)) + 1), \
     1.0 / nb with lines dt 2 lc rgb "#555555" notitle
