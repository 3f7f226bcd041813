#!/bin/sh
# Fuzz the scenario loader and the --set overrides with libFuzzer.
#
#   fuzz.sh BUILD_DIR SECONDS
#
# First every input kept in tests/fuzz-crashes/ (each one crashed an earlier
# version) is replayed through both harnesses; then each harness fuzzes for
# SECONDS, starting from the shipped scenarios, the broken-scenario corpus
# and what earlier runs found (kept under BUILD_DIR/fuzz/corpus-*, not in
# the repository).  A crash leaves its input under BUILD_DIR/fuzz/crashes/:
# fix the bug, then copy the input to tests/fuzz-crashes/ so it is replayed
# for ever after.
set -e
B=${1:?usage: fuzz.sh BUILD_DIR SECONDS}
T=${2:-60}
F=$B/fuzz
mkdir -p $F/corpus-scenario $F/corpus-set $F/crashes

crashes=$(find tests/fuzz-crashes -type f ! -name .keep | sort)
if [ -n "$crashes" ]; then
	n=$(echo "$crashes" | wc -l)
	echo "fuzz: replaying $n saved crash inputs"
	# shellcheck disable=SC2086
	$F/fuzz_scenario -runs=1 $crashes >$F/replay.log 2>&1 || { cat $F/replay.log; exit 1; }
	# shellcheck disable=SC2086
	$F/fuzz_set -runs=1 $crashes >>$F/replay.log 2>&1 || { cat $F/replay.log; exit 1; }
fi

run() { # harness corpus seeds...
	h=$1; c=$2; shift 2
	echo "fuzz: $h for ${T} s"
	if ! $F/$h -max_total_time="$T" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix=$F/crashes/ $F/$c "$@" >$F/$h.log 2>&1; then
		tail -n 40 $F/$h.log
		echo "fuzz: $h found a problem; the input is in $F/crashes/" >&2
		exit 1
	fi
	grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' $F/$h.log | tr '\n' ' '
	echo
}
run fuzz_scenario corpus-scenario scenarios tests/bad
run fuzz_set corpus-set tests/fuzz/corpus-set
echo "fuzz: no crash, no leak, no undefined behaviour"
