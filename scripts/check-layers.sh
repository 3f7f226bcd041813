#!/bin/sh
# check-layers.sh: the source tree's layers, checked from its #include lines.
#
#   sim/     the engine and its base libraries   includes sim/ only
#   models/  the component kinds                 includes sim/ and models/
#   app/     the program                         includes all three
#
# A module is a .c file and its .h (sim/evq.c and sim/evq.h); a module
# depends on another when one of its files includes the other's header.
# Besides the layers, no module may depend on itself through others: a
# loop of modules is reported with its members in order.  Exit status 0
# when both hold, 1 otherwise (each fault on a line of its own).
#
#   sh scripts/check-layers.sh            # the tree in the current directory
#   sh scripts/check-layers.sh DIR        # another checkout
cd "${1:-.}" || exit 2
for f in sim/*.[ch] models/*.[ch] app/*.[ch]; do
	[ -f "$f" ] || continue
	sed -n 's/^[ \t]*#[ \t]*include[ \t]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r h; do printf '%s %s\n' "$f" "$h"; done
done | awk '
function layer(p) {
	if (p ~ /^sim\//) return 0
	if (p ~ /^models\//) return 1
	if (p ~ /^app\//) return 2
	return -1
}
function module(p) { sub(/\.[ch]$/, "", p); return p }
{
	from = $1; to = $2
	if (layer(to) < 0) {
		printf "%s: includes \"%s\", which is in no layer\n", from, to
		bad = 1
		next
	}
	if (layer(to) > layer(from)) {
		printf "%s: includes %s, a layer above its own (sim/ < models/ < app/)\n", from, to
		bad = 1
	}
	a = module(from); b = module(to)
	if (a == b) next
	if (!((a, b) in edge)) {
		edge[a, b] = 1
		nout[a]++
		out[a, nout[a]] = b
	}
	node[a] = 1; node[b] = 1
}
# Tarjan: every strongly connected component of more than one module is a
# loop; its members are printed in the order of a cycle through them.
function visit(v,    i, w) {
	idx[v] = low[v] = ++counter
	stack[++sp] = v
	on[v] = 1
	for (i = 1; i <= nout[v]; i++) {
		w = out[v, i]
		if (!(w in idx)) {
			visit(w)
			if (low[w] < low[v]) low[v] = low[w]
		} else if (on[w] && idx[w] < low[v]) {
			low[v] = idx[w]
		}
	}
	if (low[v] == idx[v]) {
		n = 0
		do {
			w = stack[sp--]
			on[w] = 0
			member[++n] = w
			comp[w] = v
		} while (w != v)
		if (n > 1) {
			bad = 1
			printf "modules that depend on each other in a loop (%d):", n
			for (i = n; i >= 1; i--) printf " %s", member[i]
			printf "\n"
		}
	}
}
END {
	for (v in node) if (!(v in idx)) visit(v)
	exit bad
}'
