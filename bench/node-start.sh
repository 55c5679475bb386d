#!/usr/bin/env bash
# One Cassandra node of the image, started by its own entrypoint inside `docker run` (no fedsim, no
# lock needed): seconds and CPU seconds from start to answering CQL on 9042, with the image's
# class-data sharing archive (FEDSIM_CDS=1) and without, alternated A B B A.
#   bench/node-start.sh IMAGE
set -euo pipefail
image="${1:?usage: bench/node-start.sh IMAGE (e.g. fedsim/cassandra:5.0.8-<hash>)}"
probe='export FEDSIM_CDS=$1 FEDSIM_PROCESSORS=1 FEDSIM_LIGHT=1 FEDSIM_JVM_EXTRA="-Xlog:cds=info:file=/tmp/cds.log"
t0=$(date +%s.%N); fedsim-cassandra >/tmp/node.log 2>&1 &
for _ in $(seq 1 1200); do (exec 3<>/dev/tcp/127.0.0.1/9042) 2>/dev/null && break; sleep 0.2; done
t1=$(date +%s.%N)
echo "cds=$1 ready in $(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") s, CPU $(awk "{printf \"%.1f\", \$1/1e9}" /sys/fs/cgroup/cpuacct/cpuacct.usage) s, $(grep -c "Mapped dynamic" /tmp/cds.log || true) archive regions mapped"'
for cds in 1 0 0 1; do docker run --rm --entrypoint bash "$image" -c "$probe" _ "$cds" | tail -1; done
