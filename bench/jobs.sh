#!/bin/sh
# bench/jobs.sh: -j N, a sweep's wall time in 1 .. N processes (N = the
# cores, or JOBS_MAX) and many tiny items at -j 1, 2 and N.  Part of `make
# bench`, which sources it; alone (`make bench-jobs`) it is the script to
# run on a machine with more cores than this one, in a few minutes:
#
#   JOBS_MAX=16 make bench-jobs
#
# and it ends with its own rows of the goals table.
if [ -z "${bench_lib:-}" ]; then
	. bench/lib.sh
	alone=1
fi

# -j N: 8 points of a two-tier chain, each replication a fraction of a
# second; the results must be the same bytes at every N.  Replications
# grow with the most processes measured, 2 per process and at least 4,
# so that each process gets 16 items or more: the fixed cost (loading the
# scenario, forking the workers, writing the files: 25 to 40 ms) would
# weigh a tenth of a 4 s sweep run in 16 processes.
par_scenario() { # file replications
	cat > "$1" <<YAML
name: bench-jobs
seed: 1
duration: 1000s
replications: $2
workloads:
  users: {arrival: {process: poisson, rate: 500/s}, target: web}
nodes:
  web: {type: service, workers: 8, service: {dist: exponential, mean: 10ms}, calls: [{to: db}]}
  db: {type: service, workers: 4, service: {dist: exponential, mean: 5ms}}
sweep:
  nodes.web.workers: [6, 7, 8, 9, 10, 11, 12, 13]
YAML
}
max=${JOBS_MAX:-$(nproc)}
# jrows FILE NAME N...: FILE's wall time at each -j N (up to max), the
# speed-up over -j 1 and its efficiency, and whether the outputs are the
# same bytes as -j 1's
jrows() {
	f=$1 n=$2
	shift 2
	printf "%-6s %8s %9s %11s %s\n" jobs wall_s speedup efficiency output
	rm -f $W/$n.j*
	t1=""
	for j in $(printf '%s\n' "$@" | sort -nu); do
		[ $j -le $max ] || continue
		$W/timeit ./$B/archsim run $f -o $W/$n-$j -q -j $j 2>$W/err >/dev/null
		t=$(tail -n 1 $W/err | awk '{ print $1 }')
		[ -n "$t1" ] || t1=$t
		same=same
		[ $j -eq 1 ] || diff -r $W/$n-1 $W/$n-$j >/dev/null || same=DIFFERENT
		awk -v j=$j -v t=$t -v t1=$t1 -v s=$same 'BEGIN {
			printf "%-6d %8.2f %9.2f %11.2f %s\n", j, t, t1 / t, t1 / t / j, s }' | tee $W/$n.j$j
		jlast=$j
	done
	echo
}
jreps=$((2 * max > 4 ? 2 * max : 4))
par_scenario $W/jobs.yaml $jreps
echo "Sweep in N processes (-j N): $((8 * jreps)) work items, wall time against -j 1"
jrows $W/jobs.yaml jobs 1 2 4 8 16 $max
goal "-j N efficiency at N = $jlast (the cores here; the goal is at 16)" "$(awk '{ print $4 }' $W/jobs.j$jlast)" ">= 0.9"

# Many tiny items: 10^5 replications of a 10 s M/M/1 (about 9 requests
# each), where the cost of moving an item between processes is all there
# is.  Workers get items in batches of about 10 ms of work, and answer a
# batch in one write (goal: -j 2 never slower than -j 1, and 1.8 times
# faster on two idle cores).
scenario $W/tiny.yaml 9 100000
echo "Many tiny items: 10^5 replications of a 10 s M/M/1, wall time against -j 1"
jrows $W/tiny.yaml tiny 1 2 $max
[ -f $W/tiny.j2 ] && goal "10^5 tiny items: -j 2's speed-up over -j 1" "$(awk '{ print $3 }' $W/tiny.j2)" ">= 1.8"

if [ -n "${alone:-}" ]; then
	echo "Goals: this run against each"
	awk -F'|' '{ printf "%-66s %10s  %s\n", $1, $2, $3 }' $GOALS
fi
