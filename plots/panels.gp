# panels.gp - start a chart of npanels panels (common.gp loads the
# names): the canvas grows with the panels, each panel keeps a readable
# size, and multiplot lays them out in panelrows rows of panelcols.
# A chart script loads it after its settings, then plots each panel with
# `do for [k=1:npanels]`, and ends with `unset multiplot`.
if (npanels > 1) {
	pw = panelcols * 560
	ph = panelrows * 360 + 40
	if (exists("fmt") && fmt eq "svg") {
		set terminal svg size pw,ph dynamic noenhanced font "sans,9" background rgb "white"
	} else {
		set terminal pngcairo size pw,ph noenhanced font "sans,9"
	}
	set output out
}
# with panels, each panel's key goes under it, so that the plots keep
# their width, and what the lines are is said once, in the chart's title
# (a key title under a panel runs into its axis label)
if (npanels > 1) {
	set key below center horizontal nobox title ""
	if (linelabel ne "") { charttitle = charttitle.";  lines: ".linelabel }
}
set multiplot layout (npanels > 1 ? panelrows : 1), (npanels > 1 ? panelcols : 1) \
	title (npanels > 1 ? charttitle : "")
if (npanels <= 1) set title charttitle
