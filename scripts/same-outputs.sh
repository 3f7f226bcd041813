#!/bin/sh
# same-outputs.sh BIN DIR: run BIN over every shipped scenario (run, check,
# graph, capacity where the scenario has a capacity: block, a trace of
# quickstart) and over every help page, into DIR, and print one line per
# file written: its SHA-256 and its path under DIR.  Two binaries give the
# same outputs when their listings are the same:
#
#   sh scripts/same-outputs.sh old/archsim /tmp/a > a.txt
#   sh scripts/same-outputs.sh build/archsim /tmp/b > b.txt
#   diff a.txt b.txt
#
# What a run prints goes to NAME.stdout and NAME.stderr beside its files;
# the -j of every run is fixed (2), and the output never depends on it.
set -u
top=$(pwd)
case $1 in /*) bin=$1 ;; *) bin=$top/$1 ;; esac
out=$2
rm -rf "$out"
mkdir -p "$out"
# the runs write under names relative to DIR, so that what they print does
# not depend on where DIR is
cd "$out" || exit 1
out=.
for f in "$top"/scenarios/*.yaml; do
	name=$(basename "$f" .yaml)
	d="$name"
	"$bin" run "$f" -j 2 -o "$d" >"$out/$name.stdout" 2>"$out/$name.stderr"
	echo "exit $?" >>"$out/$name.stdout"
	"$bin" check "$f" >"$out/$name.check" 2>&1
	"$bin" graph "$f" >"$out/$name.dot" 2>&1
	if grep -q '^capacity:' "$f"; then
		"$bin" capacity "$f" -j 2 -o "$name-capacity" \
			>"$out/$name.capacity.stdout" 2>"$out/$name.capacity.stderr"
		echo "exit $?" >>"$out/$name.capacity.stdout"
	fi
done
"$bin" run "$top"/scenarios/quickstart.yaml -q -j 2 --trace 200 -o trace \
	>"$out/trace.stdout" 2>&1
"$bin" --help >"$out/help-usage.txt" 2>&1
"$bin" help >"$out/help.txt" 2>&1
"$bin" help --markdown >"$out/help.md" 2>&1
for k in $("$bin" help 2>/dev/null | awk '/^  [a-z_]+ /{print $1}'); do
	"$bin" help "$k" >"$out/help-$k.txt" 2>&1
	"$bin" help "$k" --markdown >"$out/help-$k.md" 2>&1
done
find . -type f | LC_ALL=C sort | xargs sha256sum
