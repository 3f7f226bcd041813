#!/bin/sh
# check-readme.sh [BIN]: run the README's walk-throughs and check that what
# it quotes of them is what they give: each output line it shows, verbatim,
# and each number in its prose, formatted as the README writes it.  A claim
# is a piece of text that must appear in the README (its lines joined, so
# that a claim may span a line break); a claim whose number changed, on
# either side, is missing and fails the check.  Then it shows it can fail:
# a copy of the README with one quoted digit changed must fail its claim.
#
#   sh scripts/check-readme.sh [build/archsim]      (make validate runs it)
set -u
bin=${1:-build/archsim}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# the README as one line: a claim may span a line break
tr '\n' ' ' < README.md | tr -s ' ' > "$tmp/readme.txt"
checked=0
failed=0

# run WHAT COMMAND...: a walk-through's command, which must succeed
run() {
	what=$1
	shift
	if ! "$@" 2> "$tmp/err"; then
		echo "check-readme.sh: $what failed:"
		cat "$tmp/err"
		exit 1
	fi
}

# lines FILE N: FILE holds N lines, each of which the README must say
lines() {
	got=$(wc -l < "$1" | tr -d ' ')
	if [ "$got" -ne "$2" ]; then
		echo "check-readme.sh: $1: $got lines where the README quotes $2"
		failed=$((failed + 1))
	fi
	while IFS= read -r line; do
		says "$line"
	done < "$1"
}

# says TEXT [FILE]: the README (or FILE, flattened alike) contains TEXT
says() {
	text=$(printf '%s' "$1" | tr -s ' ')
	if grep -qF -- "$text" "${2:-$tmp/readme.txt}"; then
		checked=$((checked + 1))
		return 0
	fi
	[ -n "${2:-}" ] || { echo "README does not say: $text"; failed=$((failed + 1)); }
	return 1
}

# cell FILE COLUMN [NAME=VALUE ...]: COLUMN of the first row of the CSV
# FILE whose columns NAME hold VALUE
cell() {
	file=$1 col=$2
	shift 2
	awk -F, -v col="$col" -v conds="$*" '
		NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i
			  n = split(conds, c, " ")
			  if (!(col in at)) { print "no column " col > "/dev/stderr"; exit 1 }
			  next }
		{ for (k = 1; k <= n; k++) { split(c[k], kv, "="); if ($(at[kv[1]]) != kv[2]) next }
		  print $(at[col]); exit }' "$file"
}

# fmt FORMAT VALUE [SCALE]: VALUE times SCALE, printed with FORMAT
fmt() {
	awk -v v="$2" -v s="${3:-1}" -v f="$1" 'BEGIN { printf f, v * s }'
}

# ---- quickstart: the table `make run` prints ---------------------------
run quickstart "$bin" run scenarios/quickstart.yaml -o "$tmp/qs" > "$tmp/qs.out"
head -n 2 "$tmp/qs.out" > "$tmp/qs.table"
lines "$tmp/qs.table" 2
first_row=$(sed -n 2p "$tmp/qs.table")

# ---- capacity planning: the answers, bottlenecks and headrooms ---------
run "capacity-plan's web search" "$bin" capacity scenarios/capacity-plan.yaml -q -o "$tmp/cp" \
	> "$tmp/cp.out"
run "capacity-plan's database search" "$bin" capacity scenarios/capacity-plan.yaml -q \
	-o "$tmp/cp" --vary nodes.db.replicas --min 1 --max 8 >> "$tmp/cp.out"
lines "$tmp/cp.out" 6
web="$tmp/cp/capacity-nodes.web.replicas.csv"
db="$tmp/cp/capacity-nodes.db.replicas.csv"
says "p99 jumps from $(fmt '%.0f' "$(cell "$web" latency_p99_s nodes.web.replicas=4)" 1000) ms to the 1 s call timeout"
says "with one, p99 is $(fmt '%.1f' "$(cell "$db" latency_p99_s nodes.db.replicas=1)") s and $(fmt '%.0f' "$(cell "$db" reject_ratio nodes.db.replicas=1)" 100) % of requests are refused"

# ---- the cheapest plan: the answer, the runner-up, the front -------------
run cheapest-plan "$bin" capacity scenarios/cheapest-plan.yaml -o "$tmp/pl" > "$tmp/pl.all" 2>/dev/null
grep -v '^evidence:' "$tmp/pl.all" > "$tmp/pl.out"
lines "$tmp/pl.out" 3
# the evidence line: "evidence: DIR/plan.csv (4 combinations, 12 probes)"
set -- $(sed -n 's/^evidence: .*(\([0-9]*\) combinations, \([0-9]*\) probes)$/\1 \2/p' "$tmp/pl.all")
says "Here ${2:-?} probes decide ${1:-?} database counts"

# ---- cache sizing: hit ratio, database load and p99 against size --------
run cache-sizing "$bin" run scenarios/cache-sizing.yaml -q -o "$tmp/cs"
n="$tmp/cs/nodes.csv" s="$tmp/cs/summary.csv"
says "the hit ratio climbs from $(fmt '%.2f' "$(cell "$n" hit_ratio point=0 node=cache)") to $(fmt '%.2f' "$(cell "$n" hit_ratio point=5 node=cache)")"
says "database's utilization falls from $(fmt '%.2f' "$(cell "$n" utilization point=0 node=db)") to $(fmt '%.2f' "$(cell "$n" utilization point=5 node=db)")"
says "p99 falls from $(fmt '%.1f' "$(cell "$s" latency_p99_s point=0)" 1000) ms to $(fmt '%.1f' "$(cell "$s" latency_p99_s point=5)" 1000) ms"

# ---- comparing balancers: the paired comparison at 800/s ---------------
run compare-balancers "$bin" run scenarios/compare-balancers.yaml -q -o "$tmp/cb"
c="$tmp/cb/compare.csv"
at="workloads.users.arrival.rate_per_s=800 a=round_robin b=least_connections"
diff=$(fmt '%.3f' "$(cell "$c" latency_mean_s_diff $at)" | sed 's/^-/−/')
says "| round_robin | least_connections | $diff s | ± $(fmt '%.3f' "$(cell "$c" latency_mean_s_diff_ci95 $at)") s | ± $(fmt '%.3f' "$(cell "$c" latency_mean_s_unpaired_ci95 $at)") s | $(cell "$c" latency_mean_s_significant $at) |"

# ---- a cache stampede: mean latency with and without coalescing ---------
run cache-stampede "$bin" run scenarios/cache-stampede.yaml -q -o "$tmp/st"
s="$tmp/st/summary.csv"
says "mean latency is $(fmt '%.1f' "$(cell "$s" latency_mean_s point=0)" 1000) ms against $(fmt '%.1f' "$(cell "$s" latency_mean_s point=1)" 1000) ms"

# ---- read replicas: lag, stale reads and the price of read-your-writes --
run read-replicas "$bin" run scenarios/read-replicas.yaml -q -o "$tmp/rr"
n="$tmp/rr/nodes.csv"
# ryw PT: read-your-writes violations per second at point PT (the column
# sums the replications, each its duration long)
ryw() {
	awk -F, -v pt="$1" 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
		$(at["point"]) == pt && $(at["node"]) == "db" {
			print $(at["ryw_violations"]) / ($(at["duration_s"]) * $(at["replications"])); exit }' "$n"
}
says "applier's queue: $(fmt '%.1f' "$(cell "$n" lag_mean_s point=0 node=db)" 1000) ms at 250 µs per write, $(fmt '%.1f' "$(cell "$n" lag_mean_s point=4 node=db)" 1000) ms at 1 ms, and $(fmt '%.0f' "$(cell "$n" lag_mean_s point=6 node=db)" 1000) ms at 1.25 ms"
says "(p99 $(fmt '%.0f' "$(cell "$n" lag_p99_s point=6 node=db)" 1000) ms)"
says "that is $(fmt '%.1f' "$(cell "$n" stale_ratio point=0 node=db)" 100) % of reads at 250 µs and $(fmt '%.0f' "$(cell "$n" stale_ratio point=6 node=db)" 100) % at 1.25 ms"
says "$(fmt '%.2f' "$(ryw 0)") a second at 250 µs, $(fmt '%.0f' "$(ryw 6)") at 1.25 ms"
says "fewer stale reads ($(fmt '%.2f' "$(cell "$n" stale_ratio point=1 node=db)" 100) % to $(fmt '%.1f' "$(cell "$n" stale_ratio point=7 node=db)" 100) %)"
says "the primary's utilization rises from $(fmt '%.2f' "$(cell "$n" utilization point=6 node=db[0])") to $(fmt '%.2f' "$(cell "$n" utilization point=7 node=db[0])")"

# ---- sharding: the hot shard, and what the reshard moved ----------------
run sharding "$bin" run scenarios/sharding.yaml -q -o "$tmp/sh"
n="$tmp/sh/nodes.csv"
# over the three strategies: the least and the most of the node's load_cv,
# and of its hottest shard's utilization (in %)
spread=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
	$(at["node"]) == "users_db" { cv = $(at["load_cv"]) + 0
		if (!ncv++ || cv < cvlo) cvlo = cv; if (ncv == 1 || cv > cvhi) cvhi = cv
		node = $(at["utilization"]) }
	$(at["node"]) ~ /^users_db\[/ { u = $(at["utilization"]) + 0
		if (u > hot[$(at["point"])]) hot[$(at["point"])] = u }
	END { lo = 2; hi = 0; for (p in hot) { if (hot[p] < lo) lo = hot[p]; if (hot[p] > hi) hi = hot[p] }
	      printf "%.2f %.2f %.0f %.0f %.0f", cvlo, cvhi, lo * 100, hi * 100, node * 100 }' "$n")
set -- $spread
says "\`load_cv\` on the node's row is $1 to $2, and the hottest shard is at $3 % to $4 % utilization where the node's is $5 %"
says "$(fmt '%.2f' "$(cell "$n" keys_moved_share point=0 node=users_db)") of the key space changed shard under \`hash\`, $(fmt '%.2f' "$(cell "$n" keys_moved_share point=1 node=users_db)") under \`ring\` and $(fmt '%.2f' "$(cell "$n" keys_moved_share point=2 node=users_db)") under \`jump\`"

# ---- a burst into a queue: the publish-to-consumed delay ----------------
run queue-burst "$bin" run scenarios/queue-burst.yaml -q -o "$tmp/qb"
n="$tmp/qb/nodes.csv"
says "with 6 consumers a mean of $(fmt '%.0f' "$(cell "$n" delay_mean_s point=0 node=orders)") s and a p99 of $(fmt '%.0f' "$(cell "$n" delay_p99_s point=0 node=orders)") s; with 32, $(fmt '%.1f' "$(cell "$n" delay_mean_s point=4 node=orders)") s and $(fmt '%.1f' "$(cell "$n" delay_p99_s point=4 node=orders)") s"

# ---- queue disciplines under overload -----------------------------------
run overload-disciplines "$bin" run scenarios/overload-disciplines.yaml -q -o "$tmp/od"
s="$tmp/od/summary.csv" n="$tmp/od/nodes.csv"
says "The goodput falls to nothing within 10 s ($(fmt '%.0f' "$(cell "$s" throughput_per_s nodes.backend.discipline=fifo)") a second over the two minutes)"
says "\`orphans_served\` counts $(fmt '%.0f' "$(cell "$n" orphans_served nodes.backend.discipline=fifo node=backend)" 0.001),000 requests served for nobody"
says "the backend serves $(fmt '%.0f' "$(cell "$s" throughput_per_s nodes.backend.discipline=lifo)") a second"
says "so $(fmt '%.0f' "$(cell "$s" error_ratio nodes.backend.discipline=lifo)" 100) % of the requests fail and the served ones have a p99 of $(fmt '%.0f' "$(cell "$s" latency_p99_s nodes.backend.discipline=lifo)" 1000) ms"
says "CoDel serves $(fmt '%.0f' "$(cell "$s" throughput_per_s nodes.backend.discipline=codel)") a second, sheds $(fmt '%.0f' "$(cell "$n" shed nodes.backend.discipline=codel node=backend)" 0.001),000 requests"
says "keeps the p99 at $(fmt '%.0f' "$(cell "$s" latency_p99_s nodes.backend.discipline=codel)" 1000) ms"
says "and $(fmt '%.0f' "$(cell "$n" orphans_served nodes.backend.discipline=deadline node=backend)" 0.001),000 of them still finish after it; the goodput is $(fmt '%.0f' "$(cell "$s" throughput_per_s nodes.backend.discipline=deadline)") a second"
# the last window of fifo's has no goodput left
last=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
	$(at["nodes.backend.discipline"]) == "fifo" && $(at["t_s"]) + 0 >= 10 && $(at["throughput_per_s"]) + 0 > 0 { n++ }
	END { print n + 0 }' "$tmp/od/timeseries.csv")
[ "$last" = 0 ] || says "fifo serves nobody after 10 s"

# ---- zones: zone aware routing off and on, a zone going dark -------------
run multi-zone "$bin" run scenarios/multi-zone.yaml -q -o "$tmp/mz"
s="$tmp/mz/summary.csv" k=nodes.api_lb.zone_aware.routing_enabled
says "The median falls from $(fmt '%.1f' "$(cell "$s" latency_p50_s $k=0)" 1000) ms to $(fmt '%.1f' "$(cell "$s" latency_p50_s $k=100)" 1000) ms and the mean from $(fmt '%.1f' "$(cell "$s" latency_mean_s $k=0)" 1000) ms to $(fmt '%.1f' "$(cell "$s" latency_mean_s $k=100)" 1000) ms"
says "and $(fmt '%.2f' "$(cell "$s" error_ratio $k=0)" 100) % of the six minutes' requests fail against $(fmt '%.2f' "$(cell "$s" error_ratio $k=100)" 100) %"
# the worst window's throughput, point by point
worst() {
	awk -F, -v p="$1" 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
		$1 == p && (m == "" || $(at["throughput_per_s"]) + 0 < m) { m = $(at["throughput_per_s"]) + 0 }
		END { r = int(m + 0.5); v = r >= 1000 ? sprintf("%d,%03d", r / 1000, r % 1000) : r ""
		      print v }' \
		"$tmp/mz/timeseries.csv"
}
says "The worst 5-second window serves $(worst 0) requests a second against $(worst 1)"
# the traffic across zones and its cost, from links.csv's row of the link
# between zones
l="$tmp/mz/links.csv"
says "$(fmt '%.3f' "$(cell "$l" gbit_per_s point=0 'link=*<->*')") Gbit/s cross zones, $(fmt '%.2f' "$(cell "$l" cost_per_hour point=0 'link=*<->*')") an hour; with it $(fmt '%.3f' "$(cell "$l" gbit_per_s point=1 'link=*<->*')") Gbit/s, $(fmt '%.2f' "$(cell "$l" cost_per_hour point=1 'link=*<->*')") an"

# ---- a rolling deploy: its length, the replicas left, the worst window ----
run rolling-deploy "$bin" run scenarios/rolling-deploy.yaml -q -o "$tmp/rd"
s="$tmp/rd/summary.csv" n="$tmp/rd/nodes.csv"
# worst99 PT: the highest p99 of point PT's windows, in ms
worst99() {
	awk -F, -v p="$1" 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
		$1 == p && $(at["latency_p99_s"]) != "NaN" && $(at["latency_p99_s"]) + 0 > m { m = $(at["latency_p99_s"]) + 0 }
		END { printf "%.0f", m * 1000 }' "$tmp/rd/timeseries.csv"
}
says "Without surge the rollout takes $(fmt '%.0f' "$(cell "$n" rollout_mean_s point=0 node=web)") s, seven replicas carry the peak meanwhile (nodes.csv's \`replicas_ready_min\` $(cell "$n" replicas_ready_min point=0 node=web), \`replicas_ready_mean\` $(fmt '%.2f' "$(cell "$n" replicas_ready_mean point=0 node=web)") over the 15 minutes)"
says "822 ms, and the whole run's $(fmt '%.0f' "$(cell "$s" latency_p99_s point=0)" 1000) ms"
says "the p99 of the worst 10-second window is $(worst99 0) ms"
says "$(fmt '%.0f' "$(cell "$n" rollout_mean_s point=1 node=web)") s, eight always serve (\`replicas_ready_min\` $(cell "$n" replicas_ready_min point=1 node=web)), the worst window's p99 is $(worst99 1) ms and the run's $(fmt '%.1f' "$(cell "$s" latency_p99_s point=1)" 1000) ms"
says "while it lasts, $(fmt '%.2f' "$(cell "$s" cost_per_hour point=1)") an hour over the run instead of $(fmt '%.2f' "$(cell "$s" cost_per_hour point=0)")."

# ---- event sourcing: p99, snapshot load and conflicts by snapshot_every --
run event-sourcing "$bin" run scenarios/event-sourcing.yaml -q -o "$tmp/es"
s="$tmp/es/summary.csv" n="$tmp/es/nodes.csv"
# cps PT: point PT's conflicts per second (over its replications)
cps() {
	awk -v c="$(cell "$n" conflicts point="$1" node=store)" -v d="$(cell "$n" duration_s point="$1" node=store)" \
		-v k="$(cell "$n" replications point="$1" node=store)" 'BEGIN { printf "%.0f", c / (d * k) }'
}
says "p99 reaches $(fmt '%.2f' "$(cell "$s" latency_p99_s point=0)") s and the point is marked not steady"
[ "$(cell "$s" steady point=0)" = false ] || { echo "check-readme.sh: event-sourcing's point 0 is steady"; failed=$((failed + 1)); }
says "A snapshot every 10 events keeps p99 at $(fmt '%.1f' "$(cell "$s" latency_p99_s point=1)" 1000) ms for $(fmt '%.2f' "$(cell "$n" snapshot_utilization point=1 node=store)" 100) % of the store's workers"
says "every 100, $(fmt '%.1f' "$(cell "$s" latency_p99_s point=2)" 1000) ms for $(fmt '%.2f' "$(cell "$n" snapshot_utilization point=2 node=store)" 100) %; every 1000, $(fmt '%.1f' "$(cell "$s" latency_p99_s point=3)" 1000) ms"
says "(a load replays $(fmt '%.0f' "$(cell "$n" replayed_mean point=3 node=store)") on average, over all products)"
says "about $(fmt '%.0f' "$(cell "$n" commit_wait_mean_s point=1 node=store)" 1000) ms waiting for the group commit"
says "$(cps 1), $(cps 2) and $(cps 3) a second"

# ---- a read model rebuilt at peak: catch-up and stale reads --------------
run cqrs-rebuild "$bin" run scenarios/cqrs-rebuild.yaml -q -o "$tmp/cq"
n="$tmp/cq/nodes.csv"
says "One applier (µ = 2,000) takes $(fmt '%.1f' "$(cell "$n" catchup_mean_s point=0 node=view)") s against the formula's 200, four take $(fmt '%.1f' "$(cell "$n" catchup_mean_s point=1 node=view)") s against 33.3"
says "$(fmt '%.1f' "$(cell "$n" view_stale_ratio point=0 node=view)" 100) % of the reads with one applier and $(fmt '%.1f' "$(cell "$n" view_stale_ratio point=1 node=view)" 100) % with four"
ob=$(cell "$n" outbox_delay_mean_s point=0 node=store) qd=$(cell "$n" delay_mean_s point=0 node=order_events)
says "An order waits $(fmt '%.2f' "$ob") s for the relay on average"
says "shipping's four consumers take them $(fmt '%.3f' "$qd") s later on average (the queue's \`delay_mean_s\`; p99 $(fmt '%.3f' "$(cell "$n" delay_p99_s point=0 node=order_events)") s), so an order reaches shipping $(awk -v a="$ob" -v b="$qd" 'BEGIN { printf "%.2f", a + b }') s after its commit"

# ---- autoscaling: minutes above the SLO, refusals, what is billed --------
run autoscale-ramp "$bin" run scenarios/autoscale-ramp.yaml -q -o "$tmp/ar"
s="$tmp/ar/summary.csv" n="$tmp/ar/nodes.csv"
# above PT: point PT's time in windows that missed the SLO (slo_miss_s)
above() {
	awk -v s="$(cell "$s" slo_miss_s point="$1")" 'BEGIN { m = s / 60; printf "%g minute%s", m, m == 1 ? "" : "s" }'
}
says "With a 10 s start-up the p99 of 30-second windows is above 300 ms for $(above 0) of the spike, with 45 s for $(above 1), with 3 minutes for $(above 2);"
says "$(fmt '%.1f' "$(cell "$s" reject_ratio point=0)" 100) %, $(fmt '%.1f' "$(cell "$s" reject_ratio point=1)" 100) % and $(fmt '%.1f' "$(cell "$s" reject_ratio point=2)" 100) % of the two hours' requests are refused"
says "\`replicas_mean\` ($(fmt '%.2f' "$(cell "$n" replicas_mean point=0 node=web)"), $(fmt '%.2f' "$(cell "$n" replicas_mean point=1 node=web)") and $(fmt '%.2f' "$(cell "$n" replicas_mean point=2 node=web)") over the two hours)"

# ---- autoscaling over a day: the bill, fixed and under the HPA -----------
run autoscale-cost "$bin" run scenarios/autoscale-cost.yaml -q -o "$tmp/ac"
run "autoscale-cost, fixed" "$bin" run scenarios/autoscale-cost.yaml -q -o "$tmp/acf" \
	--set nodes.web.replicas=10 --set nodes.web.autoscale.min_replicas=10 \
	--set nodes.web.autoscale.max_replicas=10 --set 'sweep={}'
s="$tmp/ac/summary.csv" f="$tmp/acf/summary.csv"
fixed=$(cell "$f" cost_per_hour point=0)
# save PT: how much less point PT costs than fixed, in %
save() {
	awk -v c="$(cell "$s" cost_per_hour point="$1")" -v f="$fixed" 'BEGIN { printf "%.0f", (1 - c / f) * 100 }'
}
# worst FILE PT: the highest p99 of a window of point PT, in ms
worst() {
	awk -F, -v pt="$2" 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
		$(at["point"]) == pt && $(at["latency_p99_s"]) != "NaN" && $(at["latency_p99_s"]) + 0 > m {
			m = $(at["latency_p99_s"]) + 0 }
		END { printf "%.0f", m * 1000 }' "$1"
}
says "Fixed, the day costs $(fmt '%.2f' "$fixed") an hour"
says "targets of 0.45, 0.6 and 0.75 it costs $(fmt '%.2f' "$(cell "$s" cost_per_hour point=0)"), $(fmt '%.2f' "$(cell "$s" cost_per_hour point=1)") and $(fmt '%.2f' "$(cell "$s" cost_per_hour point=2)") an hour, $(save 0) %, $(save 1) % and $(save 2) % less"
says "The worst p99 of any 5-minute window is $(worst "$tmp/acf/timeseries.csv" 0) ms fixed, and $(worst "$tmp/ac/timeseries.csv" 0), $(worst "$tmp/ac/timeseries.csv" 1) and $(worst "$tmp/ac/timeseries.csv" 2) ms under the HPA"
# the cheapest setting: the search's answer, and the fixed counts around
# the cheapest that meets the same SLO
run "autoscale-cost's search" "$bin" capacity scenarios/autoscale-cost.yaml -q -o "$tmp/acc" \
	> "$tmp/acc.out"
lines "$tmp/acc.out" 2
c="$tmp/acc/capacity-nodes.web.autoscale.target.csv"
says "(at 0.8125, $(fmt '%.0f' "$(cell "$c" slo_miss_s nodes.web.autoscale.target=0.8125)") s in every replication)"
for k in 5 6; do
	run "autoscale-cost, $k fixed" "$bin" run scenarios/autoscale-cost.yaml -q -o "$tmp/acf$k" \
		--set nodes.web.replicas=$k --set nodes.web.autoscale.min_replicas=$k \
		--set nodes.web.autoscale.max_replicas=$k --set 'sweep={}'
done
f6=$(cell "$tmp/acf6/summary.csv" cost_per_hour point=0)
[ "$(cell "$tmp/acf6/summary.csv" slo_miss_s point=0)" = 0 ] || says "6 fixed replicas meet the SLO"
says "is 6 replicas, at $(fmt '%.2f' "$f6") an hour (5 miss it for $(fmt '%.1f' "$(cell "$tmp/acf5/summary.csv" slo_miss_s point=0)" "$(awk 'BEGIN { print 1 / 3600 }')") hours of the day)"
says "the HPA at 0.75 ($(fmt '%.2f' "$(cell "$s" cost_per_hour point=2)") an hour) saves $(awk -v c="$(cell "$s" cost_per_hour point=2)" -v f="$f6" 'BEGIN { printf "%.0f", (1 - c / f) * 100 }') % of"

# ---- a retry storm: what the left stack fails, and its orphans ----------
run retry-storm "$bin" run scenarios/retry-storm.yaml -q -o "$tmp/rs"
w="$tmp/rs/workloads.csv" n="$tmp/rs/nodes.csv"
says "(\`orphans_served\` in nodes.csv, $(fmt '%.0f' "$(cell "$n" orphans_served node=db_nobudget)" 0.001),000 of them)"
says "the left workload fails $(fmt '%.0f' "$(cell "$w" error_ratio workload=left)" 100) % of its requests, the right one $(fmt '%.0f' "$(cell "$w" error_ratio workload=right)" 100) %"

# ---- how short a trigger the storm outlives -------------------------------
run retry-storm-sweep "$bin" run scenarios/retry-storm-sweep.yaml -q -o "$tmp/rss"
s="$tmp/rss/summary.csv"
pc=nodes.api.calls.0.retry.retry_budget.percent_can_retry
# often SHARE: a share of replications in the README's words
often() {
	awk -v v="$1" 'BEGIN { print v == 1 ? "always" : v == 0 ? "never" : v == 0.5 ? "half the time" : sprintf("%.0f %% of the time", v * 100) }'
}
says "a slowdown of 250 ms is $(often "$(cell "$s" healthy_end_share timeline.0.for_s=0.25 $pc=1)") survived, one of 300 ms $(often "$(cell "$s" healthy_end_share timeline.0.for_s=0.3 $pc=1)"), and one of 400 ms $(often "$(cell "$s" healthy_end_share timeline.0.for_s=0.4 $pc=1)")"
all=$(awk -F, -v pc="$pc" 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i; next }
	$(at[pc]) == 0.1 && $(at["healthy_end_share"]) != 1 { bad = 1 } END { print bad ? "not every" : "every" }' "$s")
says "With a budget of 10 % $all replication recovers from every trigger tried"

# ---- a circuit breaker: p99 and what fails on each side ------------------
run breaker "$bin" run scenarios/breaker.yaml -q -o "$tmp/br"
w="$tmp/br/workloads.csv"
says "(p99 $(fmt '%.0f' "$(cell "$w" latency_p99_s workload=left)") s)"
says "p99 is $(fmt '%.0f' "$(cell "$w" latency_p99_s workload=right)" 1000) ms"
says "$(fmt '%.0f' "$(cell "$w" error_ratio workload=right)" 100) % of the right stack's requests fail fast where $(fmt '%.0f' "$(cell "$w" error_ratio workload=left)" 100) % of the left's time out"

# ---- a backend fails: how soon health checks take it out ----------------
run backend-failure "$bin" run scenarios/backend-failure.yaml -q -o "$tmp/bf"
n="$tmp/bf/nodes.csv"
says "take it out after $(fmt '%.1f' "$(cell "$n" detect_mean_s node=lb)") s on average (\`detect_mean_s\`)"

# ---- a backend joins a hash balancer: the keys that move ----------------
run hash-rebalance "$bin" run scenarios/hash-rebalance.yaml -q -o "$tmp/hr"
n="$tmp/hr/nodes.csv"
says "$(fmt '%.3f' "$(cell "$n" keys_moved_share point=1 node=lb)") and $(fmt '%.3f' "$(cell "$n" keys_moved_share point=2 node=lb)") of the key space change backend under ketama and maglev"
says "$(fmt '%.2f' "$(cell "$n" keys_moved_share point=0 node=lb)") under Envoy's \`ring_hash\`"
says "$(fmt '%.2f' "$(cell "$n" keys_moved_share point=3 node=lb)") under key modulo backends"

# ---- the stampede's database reads: the peak after the flush ------------
# peak PT: the most reads per second the cache sent its database in a
# window of point PT
peak() {
	awk -F, -v pt="$1" 'NR == 1 { for (i = 1; i <= NF; i++) at[$i] = i
			if (!("backend_per_s" in at)) { print "no column backend_per_s" > "/dev/stderr"; exit 1 }
			next }
		$(at["point"]) == pt && $(at["node"]) == "cache" && $(at["backend_per_s"]) + 0 > m {
			m = $(at["backend_per_s"]) + 0 }
		END { print m }' "$tmp/st/node_timeseries.csv"
}
hundreds=$(awk -v v="$(peak 0)" 'BEGIN { r = int(v / 100 + 0.5) * 100
	if (r >= 1000) printf("%d,%03d", int(r / 1000), r % 1000); else printf("%d", r) }')
says "the flush sends $hundreds reads per second to the database"
twice=$(awk -v a="$(peak 0)" -v b="$(peak 1)" 'BEGIN { r = b > 0 ? a / b : 0
	if (r > 1.8 && r < 2.2) print "twice"; else printf("%.1f times\n", r) }')
says "database, $twice what it sends with \`coalesce: true\`"

# ---- the corpus of broken scenarios ------------------------------------
says "the corpus of $(ls tests/bad/*.yaml | wc -l | tr -d ' ') broken scenarios"

# ---- the check can fail: one digit of a quoted line changed --------------
mutated=$(printf '%s' "$first_row" | sed 's/\([0-9]\)/X\1/' | awk '{
	i = index($0, "X"); d = substr($0, i + 1, 1)
	print substr($0, 1, i - 1) ((d + 1) % 10) substr($0, i + 2) }')
awk -v a="$first_row" -v b="$mutated" '{ i = index($0, a)
	if (i) $0 = substr($0, 1, i - 1) b substr($0, i + length(a)); print }' README.md |
	tr '\n' ' ' | tr -s ' ' > "$tmp/mutated.txt"
if says "$first_row" "$tmp/mutated.txt"; then
	echo "check-readme.sh: a README with '$mutated' for '$first_row' still passed"
	failed=$((failed + 1))
fi

if [ "$failed" -gt 0 ]; then
	echo "check-readme.sh: $failed claims of README.md differ from the runs ($checked hold)"
	exit 1
fi
echo "check-readme.sh: all $checked claims of README.md hold; a changed digit fails"
