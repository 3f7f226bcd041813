#!/bin/sh
# images.sh BIN [KEEP] - regenerate the README's charts (docs/img/*.png)
# from the shipped scenarios, so that the manual shows what the code
# draws.  `make images` runs it.  With KEEP, every run's results, charts
# and index.html are kept in KEEP/SCENARIO to be looked at.  Each line of the table below is an image, the
# scenario whose run draws it, and the chart (plot.sh's name, or a
# capacity search's capacity-PATH).  A scenario is run once.
set -e
bin=${1:?usage: images.sh BIN [KEEP]}
if [ -n "${2:-}" ]; then
	work=$2
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
table='
quickstart-cdf            quickstart         latency_cdf
quickstart-latency        quickstart         latency_time
quickstart-throughput     quickstart         throughput_time
backend-failure-throughput backend-failure   throughput_time
balancers-p99-by-load     compare-balancers  compare_load
balancers-share           compare-balancers  backend_share
breaker-state             breaker            breaker_time
breaker-workers           breaker            node_time
cache-sizing              cache-sizing       cache_sizing
cache-stampede            cache-stampede     cache_time
capacity-percentiles      capacity           percentiles_by_point
capacity-plan-web         capacity-plan      capacity-nodes.web.replicas
capacity-plan-db          capacity-plan      capacity-nodes.db.replicas
cheapest-plan             cheapest-plan      plan
cqrs-rebuild              cqrs-rebuild       projection_time
event-sourcing-snapshots  event-sourcing     eventstore
l4-vs-l7-share            l4-vs-l7           backend_share
queue-burst-backlog       queue-burst        queue_time
autoscale-ramp-scaling    autoscale-ramp     scaling
overload-disciplines-throughput overload-disciplines throughput_time
multi-zone-throughput     multi-zone         throughput_time
read-replicas-stale       read-replicas      stale_reads
rolling-deploy-latency    rolling-deploy     latency_time
retry-storm-recovered     retry-storm-sweep  healthy_share
retry-storm-workers       retry-storm        node_time
sharding-share            sharding           backend_share
three-tier-latency        three-tier         latency_time
three-tier-throughput     three-tier         throughput_time
three-tier-workers        three-tier         node_time
'
echo "$table" | while read -r img scen chart; do
	[ -n "$img" ] || continue
	out="$work/$scen"
	if [ ! -d "$out" ]; then
		case $scen in
		cheapest-plan)
			"$bin" capacity "scenarios/$scen.yaml" -q -o "$out" >/dev/null ;;
		capacity-plan)
			"$bin" capacity "scenarios/$scen.yaml" -q -o "$out" >/dev/null
			"$bin" capacity "scenarios/$scen.yaml" -q -o "$out" \
				--vary nodes.db.replicas --min 1 --max 8 >/dev/null ;;
		*)
			"$bin" run "scenarios/$scen.yaml" -q -o "$out" 2>/dev/null ;;
		esac
		sh scripts/plot.sh "$out" "scenarios/$scen.yaml" >/dev/null
	fi
	[ -f "$out/$chart.png" ] || { echo "images.sh: $scen drew no $chart.png" >&2; exit 1; }
	cp "$out/$chart.png" "docs/img/$img.png"
	echo "docs/img/$img.png: $scen, $chart"
done
