# csv.awk - functions the chart and report scripts share (awk -f
# scripts/csv.awk -f PROGRAM): reading a CSV line as CSV reads it, and
# escaping text for HTML.

# csv splits line into f[1..n] as CSV reads it: a quoted field may hold
# commas and doubled quotes.  Returns n.
function csv(line, f,   n, i, c, q, s) {
	n = 0; s = ""; q = 0
	for (i = 1; i <= length(line); i++) {
		c = substr(line, i, 1)
		if (q) {
			if (c == "\"" && substr(line, i + 1, 1) == "\"") { s = s c; i++ }
			else if (c == "\"") q = 0
			else s = s c
		} else if (c == "\"") q = 1
		else if (c == ",") { f[++n] = s; s = "" }
		else s = s c
	}
	f[++n] = s
	return n
}

# h is s with &, < and > escaped for HTML
function h(s) {
	gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s)
	return s
}
