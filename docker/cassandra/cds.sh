#!/usr/bin/env bash
# Run once at image build: starts one node through the entrypoint (the very command line nodes
# run, so the archive matches it), waits until it answers on 9042, stops it, and keeps the dynamic
# class-data sharing archive the JVM writes at exit (-XX:ArchiveClassesAtExit). Leaves no data.
set -euo pipefail
log=/tmp/fedsim-cds.log
FEDSIM_CDS_DUMP=1 FEDSIM_PROCESSORS=1 FEDSIM_LIGHT=1 /usr/local/bin/fedsim-cassandra >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do
  if (exec 3<>/dev/tcp/127.0.0.1/9042) 2>/dev/null; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then tail -40 "$log"; echo "fedsim-cds: the node exited before answering"; exit 1; fi
  sleep 0.5
done
kill -TERM "$pid"
wait "$pid" || true
if [ ! -s /opt/cassandra/cds.jsa ]; then tail -40 "$log"; echo "fedsim-cds: no archive written"; exit 1; fi
echo "fedsim-cds: archive of $(grep -c . "$log") log lines' start-up, $(du -h /opt/cassandra/cds.jsa | cut -f1)"
rm -rf /var/lib/cassandra/* /etc/cassandra/cassandra.yaml /etc/cassandra/cassandra-rackdc.properties "$log"
