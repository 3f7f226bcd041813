#!/bin/sh
# bench/lib.sh: what bench/run.sh (make bench) and bench/jobs.sh (make
# bench-jobs) share, sourced by each: where the builds and the bench's
# files are, the rounds, the median, the table of goals, and the M/M/1
# scenario written at a given length.
set -e
# bench_lib: this file has been sourced, in this shell (bench/jobs.sh asks,
# to know whether it runs alone; GOALS, which make may pass on, cannot say)
bench_lib=1
B=${BUILD:-build}
W=$B/bench
mkdir -p $W
ROUNDS=${ROUNDS:-5}

# med: the median of the numbers on standard input, one a line
med() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# goals: the last table's rows, "what|measured|goal" a line
GOALS=$W/goals
: > $GOALS
goal() { printf '%s|%s|%s\n' "$1" "$2" "$3" >> $GOALS; }

scenario() { # file requests [replications]: an M/M/1 at rho 0.9, mean service 1 s
	rho=0.9
	dur=$(awk -v n="$2" -v r=$rho 'BEGIN { printf "%.0f", n / r }')
	cat > "$1" <<YAML
name: bench-mm1
seed: 1
duration: ${dur}s
replications: ${3:-1}
workloads:
  users: {arrival: {process: poisson, rate: ${rho}/s}, target: q}
nodes:
  q: {type: service, service: {dist: exponential, mean: 1s}}
YAML
}

