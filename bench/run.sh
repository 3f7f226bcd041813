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
# absolute numbers; each ratio with a goal is the median of ROUNDS rounds
# (5 unless set), each round measuring both sides back to back.  Nothing
# here is a pass/fail test.  The last table lists every goal beside what
# this run measured.
. bench/lib.sh

# run_archsim FILE -> "events requests wall_s rss_kb"
run_archsim() {
	$W/timeit ./$B/archsim run "$1" -o $W/out -q --stats -j 1 2>$W/err >/dev/null
	# the files written (400 MB for 10^5 backends) go to disk now, not
	# during the next run's timing
	sync
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
median=$(echo $ratios | tr ' ' '\n' | med)
echo "median ratio archsim / hand loop: $median (goal >= 0.8)"
goal "M/M/1 request rate / the hand-written loop's (median of $ROUNDS)" "$median" ">= 0.8"
# Instructions per M/M/1 request, by callgrind (they do not vary)
if command -v valgrind >/dev/null 2>&1; then
	ipr=$(sh bench/instructions.sh ./$B/archsim | awk '{ print $NF }')
	echo "instructions per M/M/1 request: $ipr (goal <= 700)"
	goal "instructions per M/M/1 request (callgrind)" "$ipr" "<= 700"
fi
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
echo "median ns per request with the HPA / fixed: $(echo $dratios | tr ' ' '\n' | med) (goal <= 1)"
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
echo "a timeout that never fires: the call with it / without it $(awk -v a=$ct -v b=$c1 'BEGIN { printf "%.2f", a / b }') (wall time)"
# the same in instructions, which do not vary: runs of 10^5 and 2 x 10^5
# requests, differenced
if command -v valgrind >/dev/null 2>&1; then
	instr() { # file -> instructions
		valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
			./$B/archsim run "$1" -q -o $W/out 2>$W/err >/dev/null
		awk '/I *refs:/ { gsub(",", "", $4); print $4 }' $W/err
	}
	for t in "" ", timeout: 30s"; do
		calls $W/ci1.yaml "{to: a$t}"
		sed 's/^duration: .*/duration: 100000s/' $W/ci1.yaml > $W/ci-1.yaml
		sed 's/^duration: .*/duration: 200000s/' $W/ci1.yaml > $W/ci-2.yaml
		awk -v a="$(instr $W/ci-1.yaml)" -v b="$(instr $W/ci-2.yaml)" 'BEGIN { print b - a }'
	done > $W/ci.out
	tmr=$(awk 'NR == 1 { a = $1 } NR == 2 { printf "%.3f", $1 / a }' $W/ci.out)
	echo "instructions per request, the call with a timeout / without: $tmr (goal <= 1.1)"
	goal "a call with a timeout / a plain call (instructions)" "$tmr" "<= 1.1"
fi
echo

# Balancers: the cost of a request through a balancer, per policy and
# number of backends, against the M/M/1's (one service, no balancer).
# Ample workers and a light load, so the same number of requests; keys for
# the hash policies.  The cost is marginal: the difference between runs of
# 5 x 10^6 and 10^6 requests (the M/M/1's: 10^7 and 10^6), so that setting
# up and writing 100,000 backends' rows does not count as the cost of a
# request.  Over 100,000 backends the longer run is of 2 x 10^7: setting
# up and writing their rows takes 5 to 7 s a run, whose spread would
# otherwise swamp the 4 x 10^6 requests' second or so.
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
# rounds NAME FILE1 FILE3: ROUNDS rounds of NAME's marginal cost, each
# beside the M/M/1's ($W/mm1-1e6.yaml, $W/mm1-1e7.yaml) measured in the
# same round; prints "ns ratio": NAME's median ns per request and the
# median of the rounds' ratios, and keeps each round's in $W/NAME.rounds
rounds() {
	: > $W/$1.rounds
	for i in $(seq 1 $ROUNDS); do
		a=$(marginal "$2" "$3")
		m=$(marginal $W/mm1-1e6.yaml $W/mm1-1e7.yaml)
		echo "$a $m" | awk '{ printf "%s %s %.3f\n", $1, $2, $1 / $2 }' >> $W/$1.rounds
	done
	echo "$(awk '{ print $1 }' $W/$1.rounds | med) $(awk '{ print $3 }' $W/$1.rounds | med)"
}
echo "Balancers: marginal cost per request, median of $ROUNDS rounds each beside the M/M/1's"
scenario $W/mm1-1e6.yaml 1000000
printf "%-26s %8s %7s %s\n" "" ns ratio "rounds' ratios"
for case in p2c:10 p2c:1000 p2c:100000 least_connections:10 least_connections:1000 \
	    least_connections:100000 ring_hash:1000 maglev:1000; do
	pol=${case%:*} nb=${case#*:}
	long=5000000
	[ "$nb" -ge 100000 ] && long=20000000
	balancer $W/lb1.yaml $pol $nb 1000000
	balancer $W/lb3.yaml $pol $nb $long
	set -- $(rounds lb-$pol-$nb $W/lb1.yaml $W/lb3.yaml)
	printf "%-26s %8.1f %7.2f %s\n" "$pol $nb" $1 $2 "$(awk '{ printf "%s ", $3 }' $W/lb-$pol-$nb.rounds)"
	eval "lb_${pol}_$nb=$2"
done
lcr=$(paste $W/lb-least_connections-100000.rounds $W/lb-least_connections-10.rounds |
	awk '{ printf "%.3f\n", $1 / $4 }' | med)
echo "p2c over 100,000 backends / M/M/1: $lb_p2c_100000 (goal <= 2.5); least_connections 100,000 / 10 backends: $lcr (goal <= 2)"
goal "p2c over 100,000 backends / M/M/1" "$lb_p2c_100000" "<= 2.5"
goal "least_connections over 100,000 backends / over 10" "$lcr" "<= 2"
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
echo "Data tier: marginal cost per request, median of $ROUNDS rounds each beside the M/M/1's"
printf "%-34s %8s %7s %s\n" "" ns ratio "rounds' ratios"
for ev in lru lfu fifo random; do
	cache_bench $W/c1.yaml $ev 1000000
	cache_bench $W/c3.yaml $ev 5000000
	set -- $(rounds cache-$ev $W/c1.yaml $W/c3.yaml)
	printf "%-34s %8.1f %7.2f %s\n" "cache $ev, 10^6 Zipf keys, 10^5 room" $1 $2 "$(awk '{ printf "%s ", $3 }' $W/cache-$ev.rounds)"
	eval "cache_$ev=$2"
done
for sh in 0 8; do
	db_bench $W/d1.yaml 1111111 $sh
	db_bench $W/d3.yaml 5555556 $sh
	set -- $(rounds db-$sh $W/d1.yaml $W/d3.yaml)
	printf "%-34s %8.1f %7.2f %s\n" "$([ $sh = 0 ] && echo "database, primary only" || echo "shards: 8 databases, jump")" $1 $2 \
		"$(awk '{ printf "%s ", $3 }' $W/db-$sh.rounds)"
done
echo "cache lru / M/M/1: $cache_lru, random / M/M/1: $cache_random (goal <= 2)"
goal "cache, LRU, 10^6 Zipf keys, 10^5 entries / M/M/1" "$cache_lru" "<= 2"
goal "cache, random eviction / M/M/1" "$cache_random" "<= 2"
# Memory of the data tier and the balancers: peak RSS per cache entry
# (10^6 entries against 10^3, the keys uniform over 10^7 so that the cache
# fills), against an entry's own 32 bytes plus its 8-byte slot in a table
# at most 0.7 full (models/cstore.h); per backend (10^5 against 10, the
# balancer's state and its service replica's); and per 10^6 keys a
# database has been asked for (10^7 against 10^3: it keeps no state per
# key, so the goal is none).
cache_mem() { # file capacity
	cat > "$1" <<YAML
name: bench-cache-mem
seed: 1
duration: 3000000s
replications: 1
workloads:
  users: {arrival: {process: poisson, rate: 1/s}, target: cache, keys: {dist: uniform, n: 10000000}}
nodes:
  cache: {type: cache, mode: read_through, capacity: $2, eviction: lru, hit: {dist: constant, value: 1ms}, backend: db}
  db: {type: service, workers: 1000, service: {dist: exponential, mean: 100ms}}
YAML
}
echo "Memory: peak RSS per entry, backend or key"
cache_mem $W/cm-small.yaml 1000
cache_mem $W/cm-big.yaml 1000000
set -- $(run_archsim $W/cm-small.yaml); a=$4
set -- $(run_archsim $W/cm-big.yaml); b=$4
cm=$(awk -v a=$a -v b=$b 'BEGIN { printf "%.1f", (b - a) * 1024 / 999000 }')
echo "cache: $cm bytes per entry (goal <= $(awk 'BEGIN { printf "%.1f", 32 + 8 / 0.7 }'): 32 + 8 / 0.7)"
goal "cache memory per entry, 10^6 entries (bytes)" "$cm" "<= $(awk 'BEGIN { printf "%.1f", 32 + 8 / 0.7 }')"
balancer $W/bm-10.yaml p2c 10 100000
balancer $W/bm-big.yaml p2c 100000 100000
set -- $(run_archsim $W/bm-10.yaml); a=$4
set -- $(run_archsim $W/bm-big.yaml); b=$4
echo "$(awk -v a=$a -v b=$b 'BEGIN { printf "%.0f", (b - a) * 1024 / 99990 }') bytes per backend over 10^5 (the balancer's p2c state and its service replica's, counters and time series included)"
for n in 1000 10000000; do
	db_bench $W/dm-$n.yaml 1000000 0
	sed -i "s/{dist: zipf, n: 1000000, s: 0.9}/{dist: uniform, n: $n}/" $W/dm-$n.yaml
done
set -- $(run_archsim $W/dm-1000.yaml); a=$4
set -- $(run_archsim $W/dm-10000000.yaml); b=$4
# the keys asked for: m requests over n uniform keys reach n (1 - e^(-m/n))
dm=$(awk -v a=$a -v b=$b -v m=$2 'BEGIN { n = 1e7; k = n * (1 - exp(-m / n));
	printf "%.0f", (b - a) * 1024 / ((k - 1000) / 1e6) }')
echo "database: $dm bytes per 10^6 keys asked for (goal: none kept)"
goal "database memory per 10^6 keys (bytes)" "$dm" "about 0"
echo
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
set -- $(rounds es $W/es1.yaml $W/es3.yaml)
printf "%-34s %8.1f %7.2f %s\n" "eventstore, 10^6 aggregates" $1 $2 "$(awk '{ printf "%s ", $3 }' $W/es.rounds)"
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

. bench/jobs.sh

# Memory against replications: each replication is folded into the report
# as it ends; what stays is its scalar estimates (a dozen numbers, for the
# intervals and paired comparisons), where a whole histogram (57 KiB) was
# kept before.  The cost per replication is between 100 and 10,000: both
# fold in groups of 64 (report_group), whose open group's accumulator is
# a cost per point, not per replication (the third line).
echo "Peak memory against replications (M/M/1, 900 requests each)"
scenario $W/reps-10.yaml 900 10
set -- $(run_archsim $W/reps-10.yaml); r10=$4
scenario $W/reps-100.yaml 900 100
set -- $(run_archsim $W/reps-100.yaml); r100=$4
scenario $W/reps-10000.yaml 900 10000
set -- $(run_archsim $W/reps-10000.yaml); r10k=$4
awk -v a=$r100 -v b=$r10k 'BEGIN { printf "peak RSS: 100 replications %.1f MiB, 10,000 replications %.1f MiB: %.0f bytes per replication (target < 1024)\n", a / 1024, b / 1024, (b - a) * 1024 / 9900 }'
awk -v a=$r10 -v b=$r100 'BEGIN { printf "10 replications (folded one by one) %.1f MiB: a point of groups holds %.2f MiB more, less 90 replications\n", a / 1024, (b - a) / 1024 }'
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

echo
echo "Goals: this run against each"
awk -F'|' '{ printf "%-66s %10s  %s\n", $1, $2, $3 }' $GOALS
