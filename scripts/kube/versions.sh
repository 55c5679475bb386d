# Pinned versions of the test cluster's parts (sourced by the other scripts in scripts/kube/).
# Stay on Kubernetes 1.35.x while the nodes run Debian bookworm's containerd 1.6.
K8S_VERSION=1.35.4
ETCD_VERSION=3.6.16
KWOK_VERSION=0.8.0
GO_MIN=1.25         # k8s 1.35's go.mod asks for go 1.25.0
GO_FETCH=1.26.8     # fetched from the Go module proxy (golang.org/toolchain) when no go >= GO_MIN is present
# One cache directory per version set: a new pin builds next to the old one, never over it.
KUBE_KEY="k8s${K8S_VERSION}-etcd${ETCD_VERSION}-kwok${KWOK_VERSION}"
KUBE_CACHE="${FEDSIM_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fedsim/kubernetes}/${KUBE_KEY}"
KUBE_BIN="$KUBE_CACHE/bin"
# Where a running test cluster keeps its PKI, kubeconfigs, logs and PID files.
KUBE_RUN="${FEDSIM_KUBE_RUN:-$KUBE_CACHE/cluster}"
