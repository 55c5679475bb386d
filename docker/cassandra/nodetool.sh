#!/usr/bin/env bash
# nodetool from the jars in /opt/cassandra/lib, over local JMX (port 7199, no auth). fedsim's heal
# reads `nodetool describecluster` to know when every node sees the others up again.
set -euo pipefail
mapfile -t opens < <(grep -E '^\s*--add-(opens|exports)' /etc/cassandra/jvm17.options)
exec java -Xmx128m -XX:TieredStopAtLevel=1 "${opens[@]}" -Dcassandra.logdir=/tmp \
  -cp "/etc/cassandra:/opt/cassandra/lib/*" org.apache.cassandra.tools.NodeTool -p 7199 "$@"
