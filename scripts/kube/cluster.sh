#!/usr/bin/env bash
# fedsim's test cluster: a real multi-node Kubernetes on one machine.
#   cluster.sh up [--regions eu-west,us-east] [--kwok]   control plane as host processes, one real
#                                         kubelet node container per region (labelled
#                                         topology.kubernetes.io/region); --kwok adds the KWOK controller
#   cluster.sh kwok-nodes <region>=<n> ...  fake nodes for placement tests (needs --kwok)
#   cluster.sh load <image> ...           puts local Docker images into every node's containerd
#   cluster.sh down                       stops everything and removes the node containers and network
#   cluster.sh env                        prints KUBECONFIG=... for the running cluster
# The node containers and network carry io.fedsim.kube-cluster, NOT io.fedsim.managed: a federation's
# teardown or `fedsim gc` must not remove the cluster the federation runs on.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"

NET=fedsim-kube
SUBNET_PREFIX=172.30.77     # node network: .1 is the host (the apiserver's address for the nodes)
HOST_IP=$SUBNET_PREFIX.1
API_PORT=${FEDSIM_KUBE_API_PORT:-16443}
ETCD_PORT=${FEDSIM_KUBE_ETCD_PORT:-12379}
CLUSTER_LABEL=io.fedsim.kube-cluster
# The node image is named by its recipe: a changed entrypoint or config builds a new one.
NODE_IMAGE="fedsim-kube/node:${K8S_VERSION}-$(cat "$here/node/"* | sha256sum | cut -c1-12)"
PKI="$KUBE_RUN/pki"; LOGS="$KUBE_RUN/logs"; PIDS="$KUBE_RUN/pids"
export PATH="$KUBE_BIN:$PATH"
say() { echo "kube: $*"; }
die() { echo "kube: $*" >&2; exit 2; }

# ---- PKI -------------------------------------------------------------------------------------------
cert() { # name CN O [sans]
  local n=$1 cn=$2 o=$3 sans=${4:-}
  [ -s "$PKI/$n.crt" ] && return 0
  openssl genrsa -out "$PKI/$n.key" 2048 2>/dev/null
  local subj="/CN=$cn"; [ -n "$o" ] && subj="/O=$o/CN=$cn"
  openssl req -new -key "$PKI/$n.key" -subj "$subj" -out "$PKI/$n.csr" 2>/dev/null
  local ext="$PKI/$n.ext"
  { echo "basicConstraints=CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=serverAuth,clientAuth"; [ -n "$sans" ] && echo "subjectAltName=$sans"; } > "$ext"
  openssl x509 -req -in "$PKI/$n.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 30 -extfile "$ext" -out "$PKI/$n.crt" 2>/dev/null
  rm -f "$PKI/$n.csr" "$ext"
}
kubeconfig() { # file certname server
  local f=$1 n=$2 server=$3
  cat > "$f" <<KC
apiVersion: v1
kind: Config
clusters:
- name: fedsim-kube
  cluster: {server: "$server", certificate-authority-data: $(base64 -w0 < "$PKI/ca.crt")}
users:
- name: $n
  user: {client-certificate-data: $(base64 -w0 < "$PKI/$n.crt"), client-key-data: $(base64 -w0 < "$PKI/$n.key")}
contexts:
- name: fedsim-kube
  context: {cluster: fedsim-kube, user: $n}
current-context: fedsim-kube
KC
}
pki() {
  mkdir -p "$PKI"
  if [ ! -s "$PKI/ca.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.crt" -days 30 \
      -subj "/CN=fedsim-kube-ca" 2>/dev/null
  fi
  cert apiserver kube-apiserver "" "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$HOST_IP,IP:10.96.0.1"
  cert admin fedsim-admin system:masters
  cert apiserver-kubelet kube-apiserver-kubelet-client system:masters
  cert kcm system:kube-controller-manager ""
  cert scheduler system:kube-scheduler ""
  cert kube-proxy system:kube-proxy ""
  [ -s "$PKI/sa.key" ] || { openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null; openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null; }
  kubeconfig "$KUBE_RUN/admin.kubeconfig" admin "https://127.0.0.1:$API_PORT"
  kubeconfig "$KUBE_RUN/kcm.kubeconfig" kcm "https://127.0.0.1:$API_PORT"
  kubeconfig "$KUBE_RUN/scheduler.kubeconfig" scheduler "https://127.0.0.1:$API_PORT"
  kubeconfig "$KUBE_RUN/kube-proxy.kubeconfig" kube-proxy "https://$HOST_IP:$API_PORT"
}

# ---- processes -------------------------------------------------------------------------------------
start_proc() { # name cmd...
  local n=$1; shift
  if [ -s "$PIDS/$n" ] && kill -0 "$(cat "$PIDS/$n")" 2>/dev/null; then return 0; fi
  setsid "$@" > "$LOGS/$n.log" 2>&1 < /dev/null &
  echo $! > "$PIDS/$n"
}
stop_proc() {
  local f="$PIDS/$1"; [ -s "$f" ] || return 0
  local p; p="$(cat "$f")"
  if kill -0 "$p" 2>/dev/null; then
    kill "$p" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  fi
  rm -f "$f"
}
kc() { kubectl --kubeconfig "$KUBE_RUN/admin.kubeconfig" "$@"; }

control_plane() {
  mkdir -p "$LOGS" "$PIDS" "$KUBE_RUN/etcd"
  start_proc etcd etcd --name fedsim-kube --data-dir "$KUBE_RUN/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
    --initial-cluster "fedsim-kube=http://127.0.0.1:$((ETCD_PORT + 1))" --listen-metrics-urls "" --unsafe-no-fsync=true
  start_proc apiserver kube-apiserver --etcd-servers="http://127.0.0.1:$ETCD_PORT" --bind-address=0.0.0.0 \
    --secure-port="$API_PORT" --advertise-address="$HOST_IP" \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" --client-ca-file="$PKI/ca.crt" \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range=10.96.0.0/16 --authorization-mode=Node,RBAC \
    --kubelet-client-certificate="$PKI/apiserver-kubelet.crt" --kubelet-client-key="$PKI/apiserver-kubelet.key" \
    --kubelet-preferred-address-types=InternalIP,Hostname --enable-admission-plugins=NodeRestriction \
    --allow-privileged=true --profiling=false
  start_proc controller-manager kube-controller-manager --kubeconfig="$KUBE_RUN/kcm.kubeconfig" \
    --authentication-kubeconfig="$KUBE_RUN/kcm.kubeconfig" --authorization-kubeconfig="$KUBE_RUN/kcm.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=0 --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --use-service-account-credentials --leader-elect=false --controllers='*,-nodeipam' \
    --node-monitor-grace-period=20s
  start_proc scheduler kube-scheduler --kubeconfig="$KUBE_RUN/scheduler.kubeconfig" \
    --authentication-kubeconfig="$KUBE_RUN/scheduler.kubeconfig" --authorization-kubeconfig="$KUBE_RUN/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false
  for _ in $(seq 300); do kc get --raw /readyz >/dev/null 2>&1 && return 0; sleep 0.2; done
  die "the test cluster's apiserver did not become ready in 60 s; see $LOGS/apiserver.log."
}

# ---- nodes -----------------------------------------------------------------------------------------
node_image() {
  if docker image inspect "$NODE_IMAGE" >/dev/null 2>&1; then return 0; fi
  local base; base="$(docker images --format '{{.Repository}}:{{.Tag}}' fedsim/base | head -1)"
  [ -n "$base" ] || die "the node image is built FROM fedsim's base image; run \`fedsim images build\` first."
  local ctx; ctx="$(mktemp -d)"
  cp "$here/node/"{Dockerfile,containerd.toml,kubelet.yaml,kube-proxy.yaml,entrypoint.sh} "$ctx/"
  mkdir -p "$ctx/bin"; cp "$KUBE_BIN/kubelet" "$KUBE_BIN/kube-proxy" "$ctx/bin/"
  # The sandbox image, FROM scratch, tagged as the name containerd's config asks for.
  local pctx; pctx="$(mktemp -d)"; cp "$KUBE_BIN/pause" "$pctx/pause"
  printf 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n' > "$pctx/Dockerfile"
  docker build -q -t registry.k8s.io/pause:3.10.1 "$pctx" >/dev/null
  docker save registry.k8s.io/pause:3.10.1 -o "$ctx/pause.tar"
  docker build --network host -q --build-arg BASE="$base" -t "$NODE_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx" "$pctx"
}
node_names() { docker ps -a --filter "label=$CLUSTER_LABEL" --filter "label=io.fedsim.kube-role=node" --format '{{.Names}}'; }

nodes_up() { # regions (comma-separated)
  IFS=, read -r -a regions <<< "$1"
  docker network inspect "$NET" >/dev/null 2>&1 || docker network create --subnet "$SUBNET_PREFIX.0/24" --gateway "$HOST_IP" \
    -o com.docker.network.bridge.name=br-fedsimkube --label "$CLUSTER_LABEL=test" "$NET" >/dev/null
  mkdir -p "$KUBE_RUN/images"
  local i=0 routes=""
  for r in "${regions[@]}"; do i=$((i + 1)); routes="$routes 10.244.$i.0/24=$SUBNET_PREFIX.$((10 + i))"; done
  i=0
  for r in "${regions[@]}"; do
    i=$((i + 1))
    local n="node-$r" ip="$SUBNET_PREFIX.$((10 + i))" peers=""
    for x in $routes; do [ "${x#*=}" = "$ip" ] || peers="$peers $x"; done
    cert "node-$r" "system:node:$n" system:nodes
    kubeconfig "$KUBE_RUN/node-$r.kubeconfig" "node-$r" "https://$HOST_IP:$API_PORT"
    # The host reaches pods (the apiserver proxies to them; tests reach their CQL port).
    ip route replace "10.244.$i.0/24" via "$ip" 2>/dev/null || true
    docker inspect "fedsim-kube-$n" >/dev/null 2>&1 && continue
    docker run -d --name "fedsim-kube-$n" --hostname "$n" \
      --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
      --security-opt systempaths=unconfined --device-cgroup-rule 'a *:* rwm' --cgroupns=private \
      --network "$NET" --ip "$ip" -v /var --tmpfs /run --tmpfs /tmp \
      -e NODE_NAME="$n" -e NODE_IP="$ip" -e REGION="$r" -e POD_CIDR="10.244.$i.0/24" -e PEER_ROUTES="$peers" \
      -v "$KUBE_RUN/node-$r.kubeconfig:/etc/kubernetes/kubelet.kubeconfig:ro" \
      -v "$KUBE_RUN/kube-proxy.kubeconfig:/etc/kubernetes/kube-proxy.kubeconfig:ro" \
      -v "$PKI/ca.crt:/etc/kubernetes/pki/ca.crt:ro" -v "$KUBE_RUN/images:/images-extra:ro" \
      --label "$CLUSTER_LABEL=test" --label io.fedsim.kube-role=node --label "io.fedsim.kube-region=$r" \
      "$NODE_IMAGE" >/dev/null
  done
  for _ in $(seq 600); do
    local ready; ready="$(kc get nodes -l fedsim.io/real=true --no-headers 2>/dev/null | awk '$2=="Ready"' | wc -l)"
    [ "$ready" -ge "${#regions[@]}" ] && { say "${#regions[@]} node(s) Ready"; return 0; }
    sleep 0.5
  done
  die "the test cluster's nodes did not become Ready in 5 min; see \`docker logs fedsim-kube-node-<region>\`."
}

load() { # images...: saved once into the shared images dir (read by nodes at boot) and imported into running nodes
  mkdir -p "$KUBE_RUN/images"
  for img in "$@"; do
    local f="$KUBE_RUN/images/$(echo "$img" | tr '/:' '__').tar"
    [ -s "$f" ] || { docker save "$img" -o "$f.partial" && mv "$f.partial" "$f"; }
    for n in $(node_names); do
      docker exec "$n" ctr -n k8s.io images import "/images-extra/$(basename "$f")" >/dev/null
    done
    say "loaded $img"
  done
}

kwok_up() {
  start_proc kwok kwok --kubeconfig="$KUBE_RUN/admin.kubeconfig" --config="$KUBE_BIN/kwok-stages.yaml" \
    --manage-nodes-with-label-selector=type=kwok --cidr=10.0.0.1/16 --node-ip=10.99.0.1 \
    --server-address=127.0.0.1:10247
}
kwok_nodes() { # region=n ...
  local doc=""
  for spec in "$@"; do
    local r="${spec%%=*}" n="${spec#*=}"
    for k in $(seq "$n"); do
      doc="$doc
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-$r-$k
  annotations: {kwok.x-k8s.io/node: fake}
  labels: {type: kwok, kubernetes.io/hostname: kwok-$r-$k, topology.kubernetes.io/region: $r}
spec:
  taints: [{key: kwok.x-k8s.io/node, value: fake, effect: NoSchedule}]"
    done
  done
  echo "$doc" | kc apply -f - >/dev/null
}

down() {
  for n in $(node_names); do docker rm -f -v "$n" >/dev/null; done
  docker network rm "$NET" >/dev/null 2>&1 || true
  for i in $(seq 1 20); do ip route del "10.244.$i.0/24" 2>/dev/null || true; done
  for p in kwok scheduler controller-manager apiserver etcd; do stop_proc "$p"; done
  rm -rf "$KUBE_RUN/etcd" "$KUBE_RUN/images"
  say "test cluster stopped"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  up)
    regions="eu-west,us-east"; kwok=0
    while [ $# -gt 0 ]; do case "$1" in --regions) regions="$2"; shift 2 ;; --kwok) kwok=1; shift ;; --no-nodes) regions=""; shift ;; *) die "unknown option $1" ;; esac; done
    "$here/build.sh"
    t0=$SECONDS
    pki; control_plane; say "control plane ready"
    [ $kwok = 1 ] && kwok_up
    if [ -n "$regions" ]; then node_image; nodes_up "$regions"; fi
    say "up in $((SECONDS - t0)) s; KUBECONFIG=$KUBE_RUN/admin.kubeconfig"
    ;;
  kwok-nodes) kwok_nodes "$@" ;;
  load) load "$@" ;;
  down) down ;;
  env) echo "KUBECONFIG=$KUBE_RUN/admin.kubeconfig" ;;
  *) die "usage: cluster.sh up [--regions a,b] [--kwok] [--no-nodes] | kwok-nodes r=n... | load image... | down | env" ;;
esac
