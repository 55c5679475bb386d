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
if [ -n "${FEDSIM_TOKEN:-}" ]; then token_line="initial_token: \"${FEDSIM_TOKEN}\""; fi
cat > /etc/cassandra/cassandra.yaml <<YAML
cluster_name: "${FEDSIM_CLUSTER_NAME:-fedsim}"
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: GossipingPropertyFileSnitch
num_tokens: 1
${token_line}
auto_bootstrap: false
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

lib=/opt/cassandra/lib
jamm="$(ls $lib/jamm-*.jar | head -1)"
exporter="$(ls $lib/jmx_prometheus_javaagent-*.jar | head -1)"
mapfile -t jvm_opts < <(grep -v '^\s*#' /etc/cassandra/jvm17.options | grep -v '^\s*$')
# shellcheck disable=SC2086
exec java -Xms"$heap" -Xmx"$heap" "${jvm_opts[@]}" ${FEDSIM_JVM_EXTRA:-} $wiped \
  -javaagent:"$jamm" -javaagent:"$exporter"=7070:/etc/cassandra/jmx-exporter.yaml \
  -Dcassandra-foreground=yes -Dcassandra.config=file:///etc/cassandra/cassandra.yaml \
  -Dcassandra-rackdc.properties=file:///etc/cassandra/cassandra-rackdc.properties \
  -Dlogback.configurationFile=/etc/cassandra/logback.xml -Dcassandra.logdir=/var/log/cassandra \
  -Dcassandra.storagedir=/var/lib/cassandra -Dcassandra.jmx.local.port=7199 \
  -Dcassandra.skip_wait_for_gossip_to_settle=0 -Dcassandra.ring_delay_ms=2000 \
  -cp "/etc/cassandra:$lib/*" org.apache.cassandra.service.CassandraDaemon
