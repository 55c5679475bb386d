#!/usr/bin/env bash
# Boots a test-cluster node without systemd and without --privileged: makes the mounts privileged
# mode would have made writable, shadows the global sysctls kubelet writes (so the host keeps its
# values), sets up the bridge CNI with a static pod CIDR and routes to the peer nodes, starts
# containerd, imports the images given to the node, starts kube-proxy and becomes kubelet.
# Env: NODE_NAME, NODE_IP, REGION, POD_CIDR, PEER_ROUTES ("cidr=ip ..."), EXTRA_LABELS.
set -euo pipefail
mount --make-rshared /
mount -o remount,rw /sys 2>/dev/null || true
for m in $(awk '$3=="cgroup" || $3=="cgroup2" {print $2}' /proc/self/mounts); do
  mount -o remount,bind,rw "$m" 2>/dev/null || mount -o remount,rw "$m" 2>/dev/null || true
done
[ -e /dev/kmsg ] || mknod /dev/kmsg c 1 11 || true
mkdir -p /run/fedsim-sysctl
for kv in vm/overcommit_memory=1 kernel/panic=10 kernel/panic_on_oops=1 vm/panic_on_oom=0 kernel/keys/root_maxkeys=1000000 kernel/keys/root_maxbytes=25000000; do
  k="${kv%%=*}"; v="${kv#*=}"; f="/run/fedsim-sysctl/${k//\//_}"
  [ -e "/proc/sys/$k" ] || continue
  echo "$v" > "$f"; mount --bind "$f" "/proc/sys/$k" || true
done
echo 1 > /proc/sys/net/ipv4/ip_forward
[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables || true
[ -f /etc/machine-id ] || cat /proc/sys/kernel/random/uuid | tr -d - > /etc/machine-id

mkdir -p /etc/cni/net.d
cat > /etc/cni/net.d/10-fedsim.conflist <<JSON
{"cniVersion": "0.4.0", "name": "fedsim", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "${POD_CIDR}"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
JSON
for r in ${PEER_ROUTES:-}; do ip route replace "${r%%=*}" via "${r#*=}"; done

containerd > /var/log/containerd.log 2>&1 &
for _ in $(seq 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done
for t in /images/*.tar /images-extra/*.tar; do
  [ -f "$t" ] && ctr -n k8s.io images import --all-platforms "$t" >/dev/null
done
echo "fedsim: node ${NODE_NAME} (${REGION}) images loaded"
kube-proxy --config=/etc/kubernetes/kube-proxy.yaml --hostname-override="${NODE_NAME}" > /var/log/kube-proxy.log 2>&1 &
exec kubelet --config=/etc/kubernetes/kubelet.yaml --kubeconfig=/etc/kubernetes/kubelet.kubeconfig \
  --hostname-override="${NODE_NAME}" --node-ip="${NODE_IP}" \
  --node-labels="topology.kubernetes.io/region=${REGION},fedsim.io/real=true${EXTRA_LABELS:+,$EXTRA_LABELS}"
