#!/bin/sh
# make bench: archsim's speed and memory, as ratios within one run.
#
# 1. M/M/1 at rho = 0.9, 10^7 requests, through build/archsim on a scenario
#    file (whole process), alternated with the hand-written loop
#    bench/mm1_loop.c on the same model; reports each run and the median
#    ratio of their request rates.
# 2. Peak memory for 10^6 and 10^8 simulated requests: flat when statistics
#    live in fixed-size histograms.
# 3. The event queue alone: ns per hold, ladder queue against binary heap.
# 4. -j N: a sweep's wall time in 1..N processes (N = the cores, or
#    JOBS_MAX), as speed-up over one and its efficiency (speed-up / N).
# (and between them: calls, balancers and the data tier, each against the
# M/M/1's cost per request.)
#
# The machines this runs on are shared and noisy: read the ratios, not the
# absolute numbers.  Nothing here is a pass/fail test.
set -e
B=${BUILD:-build}
W=$B/bench
mkdir -p $W
ROUNDS=${ROUNDS:-3}

scenario() { # file requests
	rho=0.9
	dur=$(awk -v n="$2" -v r=$rho 'BEGIN { printf "%.0f", n / r }')
	cat > "$1" <<YAML
name: bench-mm1
seed: 1
duration: ${dur}s
replications: 1
workloads:
  users: {arrival: {process: poisson, rate: ${rho}/s}, target: q}
nodes:
  q: {type: service, service: {dist: exponential, mean: 1s}}
YAML
}

# run_archsim FILE -> "events requests wall_s rss_kb"
run_archsim() {
	$W/timeit ./$B/archsim run "$1" -o $W/out -q --stats -j 1 2>$W/err >/dev/null
	st=$(grep 'archsim: stats' $W/err | sed 's/.*events=\([0-9]*\) requests=\([0-9]*\).*/\1 \2/')
	echo "$st $(tail -n 1 $W/err)"
}

# run_loop N -> "events requests wall_s rss_kb"
run_loop() {
	$W/timeit $W/mm1_loop "$1" 0.9 >$W/loop.out 2>$W/err
	echo "$(awk '{print $2, $1}' $W/loop.out) $(tail -n 1 $W/err)"
}

row() { # name events requests wall rss ratio
	awk -v n="$1" -v e="$2" -v r="$3" -v w="$4" -v m="$5" -v x="$6" 'BEGIN {
		printf "%-22s %11d %11d %8.3f %12.0f %12.0f %9.1f %9.1f %8s\n",
		       n, e, r, w, r / w, e / w, w * 1e9 / e, m / 1024, x }'
}

scenario $W/mm1-1e7.yaml 10000000
echo "M/M/1, rho = 0.9, 10^7 requests: archsim (whole process) against the hand-written loop"
printf "%-22s %11s %11s %8s %12s %12s %9s %9s %8s\n" scenario events requests wall_s \
	requests/s events/s ns/event rss_MiB ratio
ratios=""
i=1
while [ $i -le $ROUNDS ]; do
	set -- $(run_archsim $W/mm1-1e7.yaml); ae=$1 ar=$2 aw=$3 am=$4
	set -- $(run_loop 10000000); le=$1 lr=$2 lw=$3 lm=$4
	ratio=$(awk -v ar=$ar -v aw=$aw -v lr=$lr -v lw=$lw 'BEGIN { printf "%.3f", (ar / aw) / (lr / lw) }')
	ratios="$ratios $ratio"
	row "archsim mm1 #$i" $ae $ar $aw $am $ratio
	row "hand loop mm1 #$i" $le $lr $lw $lm 1
	i=$((i + 1))
done
median=$(echo $ratios | tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "median ratio archsim / hand loop: $median (target >= 0.5)"
echo

# Memory must not grow with the number of simulated requests.  The one
# structure that does, slowly, is the time series: each window's histogram
# holds the buckets its values reach, and a window that sees more values
# sees rarer extremes, so it widens by the logarithm of its count, up to
# 960 buckets (2 x 2000 windows x 960 x 8 bytes, 30 MiB, at most).  So the
# flatness of everything else is measured with one window per run, and the
# growth of the windows is shown beside it.
echo "Peak memory against run length (M/M/1, rho = 0.9)"
printf "%-22s %11s %11s %8s %12s %12s %9s %9s %8s\n" scenario events requests wall_s \
	requests/s events/s ns/event rss_MiB ratio
for n in 6 8; do
	scenario $W/mm1-1e$n-w.yaml $(awk -v n=$n 'BEGIN { printf "%.0f", 10 ^ n }')
	echo "window: 100000h" >> $W/mm1-1e$n-w.yaml
done
set -- $(run_archsim $W/mm1-1e6-w.yaml); row "10^6, one window" $1 $2 $3 $4 -; w6=$4
set -- $(run_archsim $W/mm1-1e8-w.yaml); row "10^8, one window" $1 $2 $3 $4 -; w8=$4
scenario $W/mm1-1e6.yaml 1000000
set -- $(run_archsim $W/mm1-1e6.yaml); row "10^6, 2000 windows" $1 $2 $3 $4 -; m6=$4
set -- $(run_archsim $W/mm1-1e7.yaml); row "10^7, 2000 windows" $1 $2 $3 $4 -; m7=$4
scenario $W/mm1-1e8.yaml 100000000
set -- $(run_archsim $W/mm1-1e8.yaml); row "10^8, 2000 windows" $1 $2 $3 $4 -; m8=$4
awk -v a=$w6 -v b=$w8 'BEGIN { printf "peak RSS 10^8 / 10^6, one window: %.3f (target < 1.10)\n", b / a }'
awk -v a=$m6 -v b=$m7 -v c=$m8 'BEGIN { printf "with 2000 windows: 10^7 / 10^6 %.3f, 10^8 / 10^7 %.3f (window histograms widening, bounded at 30 MiB)\n", b / a, c / b }'
echo

# jackson FILE STATIONS REQUESTS: a ring of stations; each sends a request
# on to the next with p = 0.8, so every request makes 5 visits on average
# however many stations there are.  The cost per visit should not depend
# on the number of stations.
jackson() {
	awk -v n="$2" -v req="$3" 'BEGIN {
		rate = 1000
		printf "name: bench-jackson\nseed: 1\nduration: %.0fs\nreplications: 1\n", req / rate
		printf "workloads:\n  users: {arrival: {process: poisson, rate: %d/s}, target: s0}\nnodes:\n", rate
		for (i = 0; i < n; i++)
			printf "  s%d: {type: service, service: {dist: exponential, mean: 0.5ms}, next: [{to: s%d, p: 0.8}]}\n", i, (i + 1) % n
	}' > "$1"
}

echo "Jackson networks: cost per visit against the number of stations (5 visits per request)"
printf "%-22s %11s %11s %8s %12s %12s %9s %9s %8s\n" scenario events requests wall_s \
	requests/s events/s ns/event rss_MiB ratio
jackson $W/jackson-10.yaml 10 2000000
set -- $(run_archsim $W/jackson-10.yaml); row "jackson 10 stations" $1 $2 $3 $4 -; j10=$(awk -v e=$1 -v w=$3 'BEGIN { print w * 1e9 / e }')
jackson $W/jackson-1000.yaml 1000 2000000
set -- $(run_archsim $W/jackson-1000.yaml); row "jackson 1000 stations" $1 $2 $3 $4 -; j1000=$(awk -v e=$1 -v w=$3 'BEGIN { print w * 1e9 / e }')
awk -v a=$j10 -v b=$j1000 'BEGIN { printf "ns/event 1000 stations / 10 stations: %.3f (target: about 1)\n", b / a }'
echo

echo "A scenario of 10,000 nodes: check, and load + start + 1 ms of simulated time"
jackson $W/nodes-10000.yaml 10000 1
sed -i 's/^duration: .*/duration: 1ms/' $W/nodes-10000.yaml
$W/timeit ./$B/archsim check $W/nodes-10000.yaml 2>$W/err
echo "check: $(tail -n 1 $W/err | awk '{ printf "%.3f s, peak RSS %.1f MiB", $1, $2 / 1024 }')"
$W/timeit ./$B/archsim run $W/nodes-10000.yaml -q -o $W/out 2>$W/err
echo "run:   $(tail -n 1 $W/err | awk '{ printf "%.3f s, peak RSS %.1f MiB (target < 1 s)", $1, $2 / 1024 }')"
echo

# Autoscaling: a day of diurnal traffic (4/s at night, 40/s by day, 1.7
# million requests) through a balancer to a service whose HPA sets its
# replicas, against the same day on 10 fixed replicas: the autoscaler's
# syncs, readings and replicas starting and draining, per request.
diurnal() { # file autoscale-line
	cat > "$1" <<YAML
name: bench-diurnal
seed: 1
duration: 24h
replications: 1
workloads:
  users:
    arrival: {process: profile, points: [{at: 0s, rate: 4/s}, {at: 7h, rate: 4/s}, {at: 8h, rate: 40/s}, {at: 17h, rate: 40/s}, {at: 21h, rate: 4/s}, {at: 24h, rate: 4/s}]}
    target: lb
nodes:
  lb: {type: balancer, policy: least_request, backends: web}
  web:
    type: service
    replicas: 10
    workers: 4
    service: {dist: lognormal, mean: 500ms, cv: 1}
    startup: 45s
$2
YAML
}
echo "Autoscaling: a day of diurnal traffic with an HPA against 10 fixed replicas (goal: ratio <= 1)"
printf "%-22s %11s %11s %8s %12s %12s %9s %9s %8s\n" scenario events requests wall_s \
	requests/s events/s ns/event rss_MiB ratio
diurnal $W/diurnal-fixed.yaml ""
diurnal $W/diurnal-hpa.yaml "    autoscale: {min_replicas: 2, max_replicas: 20, target: 0.6}"
dratios=""
for i in $(seq 1 $ROUNDS); do
	set -- $(run_archsim $W/diurnal-fixed.yaml); row "fixed replicas #$i" $1 $2 $3 $4 1
	df=$(awk -v r=$2 -v w=$3 'BEGIN { print w * 1e9 / r }')
	set -- $(run_archsim $W/diurnal-hpa.yaml); dh=$(awk -v r=$2 -v w=$3 'BEGIN { print w * 1e9 / r }')
	dr=$(awk -v a=$dh -v b=$df 'BEGIN { printf "%.2f", a / b }')
	row "kubernetes_hpa #$i" $1 $2 $3 $4 $dr
	dratios="$dratios $dr"
done
echo "median ns per request with the HPA / fixed: $(echo $dratios | tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') (goal <= 1)"
echo

# Calls: a front that calls one backend, and one that fans out to four in
# parallel; the cost of a request against the M/M/1's (which is one
# service and no call).  Ample workers, so the same number of requests.
calls() { # file how
	cat > "$1" <<YAML
name: bench-calls
seed: 1
duration: 1000000s
replications: 1
workloads:
  users: {arrival: {process: poisson, rate: 1/s}, target: front}
nodes:
  front: {type: service, workers: 1000, service: {dist: exponential, mean: 100ms}, calls: [$2]}
  a: {type: service, workers: 1000, service: {dist: exponential, mean: 100ms}}
  b: {type: service, workers: 1000, service: {dist: exponential, mean: 100ms}}
  c: {type: service, workers: 1000, service: {dist: exponential, mean: 100ms}}
  d: {type: service, workers: 1000, service: {dist: exponential, mean: 100ms}}
YAML
}
echo "Calls: cost per request of one call and of a fan-out of four, against the M/M/1 (10^6 requests each)"
printf "%-22s %11s %11s %8s %12s %12s %9s %9s %8s\n" scenario events requests wall_s \
	requests/s events/s ns/event rss_MiB ratio
scenario $W/mm1-1e6.yaml 1000000
set -- $(run_archsim $W/mm1-1e6.yaml); m1=$(awk -v r=$2 -v w=$3 'BEGIN { print w * 1e9 / r }')
row "mm1" $1 $2 $3 $4 1
calls $W/calls-1.yaml "{to: a}"
set -- $(run_archsim $W/calls-1.yaml); c1=$(awk -v r=$2 -v w=$3 'BEGIN { print w * 1e9 / r }')
row "one call" $1 $2 $3 $4 $(awk -v a=$c1 -v b=$m1 'BEGIN { printf "%.2f", a / b }')
calls $W/calls-4.yaml "{parallel: [{to: a}, {to: b}, {to: c}, {to: d}]}"
set -- $(run_archsim $W/calls-4.yaml); c4=$(awk -v r=$2 -v w=$3 'BEGIN { print w * 1e9 / r }')
row "fan-out of 4" $1 $2 $3 $4 $(awk -v a=$c4 -v b=$m1 'BEGIN { printf "%.2f", a / b }')
calls $W/calls-t.yaml "{to: a, timeout: 30s}"
set -- $(run_archsim $W/calls-t.yaml); ct=$(awk -v r=$2 -v w=$3 'BEGIN { print w * 1e9 / r }')
row "one call, timeout 30s" $1 $2 $3 $4 $(awk -v a=$ct -v b=$m1 'BEGIN { printf "%.2f", a / b }')
echo "ns per request, against the M/M/1's: one call $(awk -v a=$c1 -v b=$m1 'BEGIN { printf "%.2f", a / b }'), fan-out of 4 $(awk -v a=$c4 -v b=$m1 'BEGIN { printf "%.2f", a / b }') (a call is a request of its own: about 2 and 5 expected)"
echo "a timeout that never fires: the call with it / without it $(awk -v a=$ct -v b=$c1 'BEGIN { printf "%.2f", a / b }') (goal <= 1.5)"
echo

# Balancers: the cost of a request through a balancer, per policy and
# number of backends, against the M/M/1's (one service, no balancer).
# Ample workers and a light load, so the same number of requests; keys for
# the hash policies.  The cost is marginal: the difference between runs of
# 3 x 10^6 and 10^6 requests, so that setting up and writing 100,000
# backends' rows does not count as the cost of a request.
balancer() { # file policy backends requests
	cat > "$1" <<YAML
name: bench-balancer
seed: 1
duration: $4s
replications: 1
workloads:
  users: {arrival: {process: poisson, rate: 1/s}, target: lb, keys: {dist: uniform, n: 1000000}}
nodes:
  lb: {type: balancer, policy: $2, backends: web}
  web: {type: service, replicas: $3, workers: 1000, service: {dist: exponential, mean: 100ms}}
YAML
}
marginal() { # file1 file3 -> ns per request between them
	set -- $(run_archsim "$1") $(run_archsim "$2")
	awk -v r1=$2 -v w1=$3 -v r3=$6 -v w3=$7 'BEGIN { print (w3 - w1) * 1e9 / (r3 - r1) }'
}
echo "Balancers: marginal cost per request against the M/M/1's (ns per request)"
scenario $W/mm1-1e6.yaml 1000000
scenario $W/mm1-3e6.yaml 3000000
m1=$(marginal $W/mm1-1e6.yaml $W/mm1-3e6.yaml)
printf "%-26s %8.1f %6s\n" "mm1" $m1 1
for case in p2c:10 p2c:1000 p2c:100000 least_connections:10 least_connections:1000 \
	    least_connections:100000 ring_hash:1000 maglev:1000; do
	pol=${case%:*} nb=${case#*:}
	balancer $W/lb1.yaml $pol $nb 1000000
	balancer $W/lb3.yaml $pol $nb 3000000
	c=$(marginal $W/lb1.yaml $W/lb3.yaml)
	printf "%-26s %8.1f %6.2f\n" "$pol $nb" $c $(awk -v a=$c -v b=$m1 'BEGIN { print a / b }')
	eval "lb_${pol}_$nb=$c"
done
awk -v a=$lb_p2c_1000 -v b=$m1 -v c=$lb_least_connections_100000 -v d=$lb_least_connections_10 'BEGIN {
	printf "p2c over 1000 backends / M/M/1: %.2f (goal <= 2); least_connections 100,000 / 10 backends: %.2f (goal <= 3)\n", a / b, c / d }'
echo

# The data tier: a cache over 10^6 keys of Zipf popularity (s = 0.9) with
# room for 10^5, each eviction policy, in front of a service that takes the
# misses; a database of one primary; shards over 8 such databases.  The
# marginal cost per request (as for the balancers) against the M/M/1's: a
# cached request is a lookup, and for a miss a request to the backend.
cache_bench() { # file eviction requests
	cat > "$1" <<YAML
name: bench-cache
seed: 1
duration: $3s
replications: 1
workloads:
  users: {arrival: {process: poisson, rate: 1/s}, target: cache, keys: {dist: zipf, n: 1000000, s: 0.9}}
nodes:
  cache: {type: cache, mode: read_through, capacity: 100000, eviction: $2, hit: {dist: constant, value: 1ms}, backend: db}
  db: {type: service, workers: 1000, service: {dist: exponential, mean: 100ms}}
YAML
}
db_bench() { # file requests shards
	if [ "$3" = 0 ]; then node="{type: database, primary: {service: {dist: exponential, mean: 100ms}}}"
	else node="{type: shards, strategy: jump, shards: $3, shard: {primary: {service: {dist: exponential, mean: 100ms}}}}"; fi
	cat > "$1" <<YAML
name: bench-db
seed: 1
duration: $2s
replications: 1
workloads:
  users: {arrival: {process: poisson, rate: 0.9/s}, target: db, keys: {dist: zipf, n: 1000000, s: 0.9}, mix: {read: 0.9, write: 0.1}}
nodes:
  db: $node
YAML
}
echo "Data tier: marginal cost per request against the M/M/1's (ns per request)"
scenario $W/mm1-1e6.yaml 1000000
scenario $W/mm1-3e6.yaml 3000000
m1=$(marginal $W/mm1-1e6.yaml $W/mm1-3e6.yaml)
printf "%-34s %8.1f %6s\n" "mm1" $m1 1
for ev in lru lfu fifo random; do
	cache_bench $W/c1.yaml $ev 1000000
	cache_bench $W/c3.yaml $ev 3000000
	c=$(marginal $W/c1.yaml $W/c3.yaml)
	printf "%-34s %8.1f %6.2f\n" "cache $ev, 10^6 Zipf keys, 10^5 room" $c $(awk -v a=$c -v b=$m1 'BEGIN { print a / b }')
	eval "cache_$ev=$c"
done
for sh in 0 8; do
	db_bench $W/d1.yaml 1111111 $sh
	db_bench $W/d3.yaml 3333333 $sh
	c=$(marginal $W/d1.yaml $W/d3.yaml)
	printf "%-34s %8.1f %6.2f\n" "$([ $sh = 0 ] && echo "database, primary only" || echo "shards: 8 databases, jump")" $c \
		$(awk -v a=$c -v b=$m1 'BEGIN { print a / b }')
done
awk -v a=$cache_lru -v b=$m1 -v c=$cache_lfu 'BEGIN {
	printf "cache lru / M/M/1: %.2f, lfu / M/M/1: %.2f (goal <= 2)\n", a / b, c / b }'
# The event store: commands over 10^6 aggregates of uniform popularity,
# each a load (a snapshot read, and a replay of up to 9 events at no cost)
# and an append in a group commit, snapshots every 10.  Its bookkeeping
# is a record per aggregate, not per event: the marginal cost per command
# against the M/M/1's, and the peak memory with 10^7 events appended over
# the 10^6 aggregates (goal: flat in the events, a few dozen bytes an
# aggregate).
es_bench() { # file requests
	cat > "$1" <<YAML
name: bench-es
seed: 1
duration: $(awk -v n="$2" 'BEGIN { printf "%.0f", n / 0.9 }')s
replications: 1
workloads:
  users: {arrival: {process: poisson, rate: 0.9/s}, target: store, keys: {dist: uniform, n: 1000000}, mix: {write: 1}}
nodes:
  store: {type: eventstore, workers: 1000, read_snapshot: {dist: exponential, mean: 100ms}, append: {dist: exponential, mean: 500ms}, snapshot_every: 10}
YAML
}
es_bench $W/es1.yaml 1000000
es_bench $W/es3.yaml 3000000
c=$(marginal $W/es1.yaml $W/es3.yaml)
printf "%-34s %8.1f %6.2f\n" "eventstore, 10^6 aggregates" $c $(awk -v a=$c -v b=$m1 'BEGIN { print a / b }')
es_bench $W/es10.yaml 10000000
set -- $(run_archsim $W/mm1-1e6.yaml); base=$4
set -- $(run_archsim $W/es1.yaml); es1m=$4
set -- $(run_archsim $W/es10.yaml); es10m=$4
awk -v m=$base -v a=$es1m -v b=$es10m 'BEGIN {
	printf "eventstore peak memory over 10^6 aggregates: %.0f MiB with 10^6 events, %.0f MiB with 10^7 (the M/M/1: %.0f MiB); %.0f bytes an aggregate beyond the M/M/1\n",
	       a / 1024, b / 1024, m / 1024, (b - m) * 1024 / 1e6 }'
# The shipped scenarios that exercise the kinds most (three tiers of
# services and a database; balancers compared; a cache sized): each run
# once, its ns per event and requests per second against the M/M/1's in
# this run, so that a regression in any kind shows here.
echo "Shipped scenarios: ns per event, against the M/M/1's (10^7 requests, whole process)"
set -- $(run_archsim $W/mm1-1e7.yaml)
mev=$(awk -v e=$1 -v w=$3 'BEGIN { print w * 1e9 / e }')
printf "%-24s %11s %11s %8s %12s %9s %8s\n" scenario events requests wall_s requests/s ns/event ratio
for sc in three-tier compare-balancers cache-sizing; do
	set -- $(run_archsim scenarios/$sc.yaml)
	awk -v n=$sc -v e=$1 -v r=$2 -v w=$3 -v m=$mev 'BEGIN {
		printf "%-24s %11d %11d %8.3f %12.0f %9.1f %8.2f\n", n, e, r, w, r / w, w * 1e9 / e, w * 1e9 / e / m }'
done
# Where the time goes: the work (instructions) and the level-1 data-cache
# misses per request, by cachegrind, for the M/M/1, the same cache with a
# fixed hit ratio (no entries) and with LRU entries: 3 x 10^5 requests each.
if command -v valgrind >/dev/null 2>&1; then
	scenario $W/cg-mm1.yaml 300000
	cache_bench $W/cg-lru.yaml lru 300000
	sed 's/eviction: lru/hit_ratio: 0.6/' $W/cg-lru.yaml > $W/cg-fixed.yaml
	for f in mm1 fixed lru; do
		valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=$W/cg.out \
			./$B/archsim run $W/cg-$f.yaml -q -o $W/out 2>$W/err >/dev/null
		awk -v f=$f '/I *refs:/ { gsub(",", "", $4); i = $4 } /D1  misses:/ { gsub(",", "", $4); d = $4 }
			END { printf "%-34s %8.0f instructions %6.2f L1d misses per request\n", "work: " f, i / 3e5, d / 3e5 }' $W/err
	done
fi
echo

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
	t1=""
	for j in $(printf '%s\n' "$@" | sort -nu); do
		[ $j -le $max ] || continue
		$W/timeit ./$B/archsim run $f -o $W/$n-$j -q -j $j 2>$W/err >/dev/null
		t=$(tail -n 1 $W/err | awk '{ print $1 }')
		[ -n "$t1" ] || t1=$t
		same=same
		[ $j -eq 1 ] || diff -r $W/$n-1 $W/$n-$j >/dev/null || same=DIFFERENT
		awk -v j=$j -v t=$t -v t1=$t1 -v s=$same 'BEGIN {
			printf "%-6d %8.2f %9.2f %11.2f %s\n", j, t, t1 / t, t1 / t / j, s }'
	done
	echo
}
jreps=$((2 * max > 4 ? 2 * max : 4))
par_scenario $W/jobs.yaml $jreps
echo "Sweep in N processes (-j N): $((8 * jreps)) work items, wall time against -j 1"
jrows $W/jobs.yaml jobs 1 2 4 8 16 $max

# Many tiny items: 10^5 replications of a 10 s M/M/1 (about 9 requests
# each), where the cost of moving an item between processes is all there
# is.  Workers get items in batches of about 10 ms of work, and answer a
# batch in one write (goal: -j 2 never slower than -j 1, and 1.8 times
# faster on two idle cores).
cat > $W/tiny.yaml <<YAML
name: bench-tiny
seed: 1
duration: 10s
replications: 100000
workloads:
  users: {arrival: {process: poisson, rate: 0.9/s}, target: q}
nodes:
  q: {type: service, service: {dist: exponential, mean: 1s}}
YAML
echo "Many tiny items: 10^5 replications of a 10 s M/M/1, wall time against -j 1"
jrows $W/tiny.yaml tiny 1 2 $max

# Memory against replications: each replication is folded into the report
# as it ends; what stays is its scalar estimates (a dozen numbers, for the
# intervals and paired comparisons), where a whole histogram (57 KiB) was
# kept before.
reps() { # file n
	cat > "$1" <<YAML
name: bench-reps
seed: 1
duration: 100s
replications: $2
workloads:
  users: {arrival: {process: poisson, rate: 9/s}, target: q}
nodes:
  q: {type: service, service: {dist: exponential, mean: 100ms}}
YAML
}
echo "Peak memory against replications (M/M/1, 900 requests each)"
reps $W/reps-10.yaml 10
set -- $(run_archsim $W/reps-10.yaml); r10=$4
reps $W/reps-10000.yaml 10000
set -- $(run_archsim $W/reps-10000.yaml); r10k=$4
awk -v a=$r10 -v b=$r10k 'BEGIN { printf "peak RSS: 10 replications %.1f MiB, 10,000 replications %.1f MiB: %.0f bytes per replication (target < 1024)\n", a / 1024, b / 1024, (b - a) * 1024 / 9990 }'
echo

# Memory against sweep points: each point's scenario is built when it
# runs and dropped after, and what the report keeps of a closed point goes
# to a temporary file, so memory is flat in the points.
pts() { # file n
	vals=$(awk -v n="$2" 'BEGIN { for (i = 1; i <= n; i++) printf "%s%d", (i > 1 ? ", " : ""), i }')
	cat > "$1" <<YAML
name: bench-points
seed: 1
duration: 1s
replications: 2
compare: nodes.q.queue
workloads:
  users: {arrival: {process: poisson, rate: 100/s}, target: q}
nodes:
  q: {type: service, queue: 1000, service: {dist: exponential, mean: 1ms}}
sweep:
  nodes.q.workers: [$vals]
  nodes.q.queue: [1000]
YAML
}
echo "Peak memory against sweep points (2 replications of 100 requests each)"
pts $W/pts-10.yaml 10
set -- $(run_archsim $W/pts-10.yaml); p10=$4
pts $W/pts-2000.yaml 2000
set -- $(run_archsim $W/pts-2000.yaml); p2k=$4
pts $W/pts-20000.yaml 20000
set -- $(run_archsim $W/pts-20000.yaml); p20k=$4
awk -v a=$p10 -v b=$p2k -v c=$p20k 'BEGIN { printf "peak RSS: 10 points %.1f MiB, 2000 points %.1f MiB, 20,000 points %.1f MiB: %.0f bytes per point from 2000 to 20,000\n", a / 1024, b / 1024, c / 1024, (c - b) * 1024 / 18000 }'
echo

if [ -x $W/evq_hold ]; then
	echo "Event queue, classic hold model (pop one, push one)"
	$W/evq_hold
fi
