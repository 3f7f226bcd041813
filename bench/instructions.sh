#!/bin/sh
# Instructions per M/M/1 request (rho = 0.9) of an archsim binary, by
# valgrind --tool=callgrind: two run lengths, 2e5 and 4e5 requests (at
# 0.9/s, 222222 s and 444444 s), and the difference divided by 2e5, so that loading, start-up and writing the
# files cancel.  Instruction counts do not change from run to run, which
# makes them the measure to compare versions by on a noisy machine.
#
#   sh bench/instructions.sh [build/archsim]
set -e
bin=${1:-build/archsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in 1 2; do
	cat > "$tmp/mm1-$n.yaml" <<YAML
name: cg
seed: 1
duration: $((n * 222222))s
replications: 1
workloads:
  users: {arrival: {process: poisson, rate: 0.9/s}, target: q}
nodes:
  q: {type: service, service: {dist: exponential, mean: 1s}}
YAML
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$n" "$bin" run "$tmp/mm1-$n.yaml" \
		-q -o "$tmp/out" 2>"$tmp/err.$n" >/dev/null
done
a=$(grep 'refs:' "$tmp/err.1" | awk '{ gsub(",", "", $4); print $4 }')
b=$(grep 'refs:' "$tmp/err.2" | awk '{ gsub(",", "", $4); print $4 }')
awk -v a="$a" -v b="$b" 'BEGIN { printf "instructions per request: %.0f\n", (b - a) / 200000 }'
