#!/usr/bin/env bash
# Starts one Cassandra node from environment variables set by fedsim's plan:
#   FEDSIM_CLUSTER_NAME, FEDSIM_DC, FEDSIM_RACK, FEDSIM_SEEDS (comma-separated addresses),
#   FEDSIM_ADDRESS (defaults to the container's address), FEDSIM_BROADCAST (the address other nodes and
#   clients know it by, defaults to FEDSIM_ADDRESS; on Kubernetes its Service's), FEDSIM_TOKEN (initial token, optional),
#   FEDSIM_HEAP (e.g. 512M), FEDSIM_COMMITLOG (periodic or batch), FEDSIM_DNAT ("dst:port>gw:port" rules: cross-region peer traffic is
#   sent to the region's gateway), FEDSIM_JVM_EXTRA.
set -euo pipefail

# `fedsim fault wipe` leaves this marker in a stopped node: start with no data, as after a lost disk.
# The empty node keeps its address and token; the others still know that address under the old
# host ID, so the join's collision check must be skipped.
wiped=""
if [ -e /var/lib/cassandra/.fedsim-wipe ]; then
  find /var/lib/cassandra -mindepth 1 -delete
  wiped="-Dcassandra.allow_unsafe_join=true"
  echo "fedsim: data directory wiped"
fi

addr="${FEDSIM_ADDRESS:-$(hostname -i | awk '{print $1}')}"

# Membership faults. FEDSIM_JOIN=1 (a node `fedsim fault add-node` adds), or a marker left in a
# stopped node: .fedsim-rejoin (back after `decommission`), .fedsim-replace (`replace`: a new node
# takes over the dead one's address and tokens, -Dcassandra.replace_address_first_boot). Such a node
# starts empty and bootstraps: auto_bootstrap on, and not its own seed (a seed never bootstraps), so
# it streams its ranges from the replicas before it serves. A marker stays until fedsim sees the node
# joined: a start that fails half-way wipes and bootstraps again.
bootstrap="${FEDSIM_JOIN:-0}"
replace=""
for marker in .fedsim-rejoin .fedsim-replace; do
  if [ -e "/var/lib/cassandra/$marker" ]; then
    find /var/lib/cassandra -mindepth 1 ! -name .fedsim-rejoin ! -name .fedsim-replace -delete
    bootstrap=1
    echo "fedsim: data directory wiped ($marker)"
  fi
done
if [ -e /var/lib/cassandra/.fedsim-replace ]; then
  replace="-Dcassandra.replace_address_first_boot=${FEDSIM_BROADCAST:-$addr}"
fi
if [ "$bootstrap" = 1 ]; then
  others="$(echo "${FEDSIM_SEEDS:-}" | tr ',' '\n' | grep -vx "${FEDSIM_BROADCAST:-$addr}" | paste -sd, - || true)"
  FEDSIM_SEEDS="${others:-${FEDSIM_SEEDS:-}}"
fi
# The ring delay bounds a non-seed's first gossip round (the shadow round): a bootstrapping node
# that hears no seed within it exits with "Unable to gossip with any peers". 2 s keeps planned
# nodes (all seeds, no shadow round) fast; a joining node gets 10 s (as Cassandra's dtests do), since
# on a busy machine its seeds can take longer than 2 s to answer. It also waits this long once for
# pending ranges before it streams.
ring_delay=2000
if [ "$bootstrap" = 1 ]; then ring_delay=10000; fi
broadcast="${FEDSIM_BROADCAST:-$addr}"
heap="${FEDSIM_HEAP:-512M}"
# The log's first line, at once: a node that never gets further still shows what it was told.
echo "fedsim: starting Cassandra in datacenter ${FEDSIM_DC:-dc1} at ${addr}${FEDSIM_BROADCAST:+ known as $broadcast} (seeds ${FEDSIM_SEEDS:-$addr}, heap ${heap})"

# Cross-region paths go through the gateway: DNAT each remote peer to its proxy. The rules are
# in this container's own network namespace; they need NET_ADMIN.
for rule in ${FEDSIM_DNAT:-}; do
  dst="${rule%%>*}"; gw="${rule##*>}"
  iptables -t nat -A OUTPUT -p tcp -d "${dst%%:*}" --dport "${dst##*:}" -j DNAT --to-destination "$gw"
done

token_line=""
# periodic: Cassandra's default, fsync every 10 s (a killed node can lose what it acknowledged since);
# batch: fsync before acknowledging.
if [ "${FEDSIM_COMMITLOG:-periodic}" = batch ]; then
  commitlog_lines="commitlog_sync: batch"
else
  commitlog_lines=$'commitlog_sync: periodic\ncommitlog_sync_period: 10000ms'
fi
# A replacement takes the dead node's tokens, whatever its configuration says.
if [ -n "${FEDSIM_TOKEN:-}" ] && [ -z "$replace" ]; then token_line="initial_token: \"${FEDSIM_TOKEN}\""; fi
cat > /etc/cassandra/cassandra.yaml <<YAML
cluster_name: "${FEDSIM_CLUSTER_NAME:-fedsim}"
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: GossipingPropertyFileSnitch
num_tokens: 1
${token_line}
auto_bootstrap: $([ "$bootstrap" = 1 ] && echo true || echo false)
listen_address: ${addr}
broadcast_address: ${broadcast}
rpc_address: 0.0.0.0
broadcast_rpc_address: ${broadcast}
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters: [{seeds: "${FEDSIM_SEEDS:-$addr}"}]
${commitlog_lines}
data_file_directories: [/var/lib/cassandra/data]
commitlog_directory: /var/lib/cassandra/commitlog
saved_caches_directory: /var/lib/cassandra/saved_caches
hints_directory: /var/lib/cassandra/hints
cdc_raw_directory: /var/lib/cassandra/cdc_raw
auto_snapshot: false
max_hint_window: 3h
read_request_timeout: 5000ms
write_request_timeout: 2000ms
request_timeout: 10000ms
YAML
printf 'dc=%s\nrack=%s\n' "${FEDSIM_DC:-dc1}" "${FEDSIM_RACK:-rack1}" > /etc/cassandra/cassandra-rackdc.properties

# --- A light node for a test federation: the topology's per-cluster `tuning` (docs/OPERATIONS.md,
# "Lighter nodes"; measured in bench/RESULTS.md). As ccm, Cassandra's dtests and testcontainers do.
# FEDSIM_PROCESSORS (0: the machine's): what the JVM (GC and compiler threads) and Cassandra (its
# pools, Netty's event loops) size themselves for; six nodes on two cores must not each think they
# own both. FEDSIM_LIGHT=1: small request and flush pools, no background work a short test run
# never needs. FEDSIM_CDS=1: map the class-data sharing archive fedsim-cds built into the image
# (start-up is CPU-bound; every class not parsed and verified again is saved on every node).
light_jvm=""
if [ "${FEDSIM_PROCESSORS:-0}" != 0 ]; then
  light_jvm="-XX:ActiveProcessorCount=${FEDSIM_PROCESSORS} -Dcassandra.available_processors=${FEDSIM_PROCESSORS}"
fi
if [ "${FEDSIM_LIGHT:-0}" = 1 ]; then
  cat >> /etc/cassandra/cassandra.yaml <<'YAML'
concurrent_reads: 4
concurrent_writes: 4
concurrent_counter_writes: 2
concurrent_materialized_view_writes: 2
concurrent_compactors: 1
memtable_flush_writers: 1
native_transport_max_threads: 16
key_cache_save_period: 0s
counter_cache_save_period: 0s
index_summary_resize_interval: null
dynamic_snitch_update_interval: 1000ms
YAML
fi
cds=/opt/cassandra/cds.jsa
# The jamm and Prometheus agents only measure and read (no class transformed): archiving with them is sound.
cds_agents="-XX:+UnlockDiagnosticVMOptions -XX:+AllowArchivingWithJavaAgent"
if [ -n "${FEDSIM_CDS_DUMP:-}" ]; then
  light_jvm="$light_jvm $cds_agents -XX:ArchiveClassesAtExit=$cds"
elif [ "${FEDSIM_CDS:-0}" = 1 ] && [ -e "$cds" ]; then
  light_jvm="$light_jvm $cds_agents -XX:SharedArchiveFile=$cds -Xshare:auto"
fi
FEDSIM_JVM_EXTRA="$light_jvm ${FEDSIM_JVM_EXTRA:-}"
# --- end of the light node

lib=/opt/cassandra/lib
jamm="$(ls $lib/jamm-*.jar | head -1)"
exporter="$(ls $lib/jmx_prometheus_javaagent-*.jar | head -1)"
mapfile -t jvm_opts < <(grep -v '^\s*#' /etc/cassandra/jvm17.options | grep -v '^\s*$')
# `fedsim fault clock`: libfaketime in the JVM follows this file's offset (seconds, re-read each
# second), so a node's clock moves at run time. Not FAKETIME_DONT_FAKE_MONOTONIC: with it,
# libfaketime 0.9.10 makes the JVM about 15 times slower (measured: 42 s instead of 3 s).
# Cassandra dates internode messages through an epoch translation it refreshes every 10 s by
# default: refreshed every second here, a skew bites (expired messages) within a second as well.
echo +0 > /run/fedsim-clock
export LD_PRELOAD="$(ls /usr/lib/*/faketime/libfaketimeMT.so.1)" FAKETIME_TIMESTAMP_FILE=/run/fedsim-clock FAKETIME_CACHE_DURATION=1
# shellcheck disable=SC2086
exec java -Xms"$heap" -Xmx"$heap" "${jvm_opts[@]}" ${FEDSIM_JVM_EXTRA:-} $wiped $replace \
  -javaagent:"$jamm" -javaagent:"$exporter"=7070:/etc/cassandra/jmx-exporter.yaml \
  -Dcassandra-foreground=yes -Dcassandra.config=file:///etc/cassandra/cassandra.yaml \
  -Dcassandra-rackdc.properties=file:///etc/cassandra/cassandra-rackdc.properties \
  -Dlogback.configurationFile=/etc/cassandra/logback.xml -Dcassandra.logdir=/var/log/cassandra \
  -Dcassandra.storagedir=/var/lib/cassandra -Dcassandra.jmx.local.port=7199 \
  -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.ring_delay_ms="$ring_delay" \
  -Dcassandra.NANOTIMETOMILLIS_TIMESTAMP_UPDATE_INTERVAL=1000 \
  -cp "$lib/*:/etc/cassandra" org.apache.cassandra.service.CassandraDaemon
