#!/usr/bin/env bash
# Builds the test cluster's binaries from the Go module proxy (no registry serves a Kubernetes node
# image here): kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl, kube-proxy,
# etcd, kwok (CoreDNS is not needed: fedsim's pods reach each other by Service address). Output is cached under ~/.cache/fedsim/kubernetes/<versions>/bin; a second run
# with the binaries present does nothing. Cold: ~8.5 min on 2 cores, peak ~1.9 GB RSS.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/versions.sh"

want=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl kube-proxy etcd kwok pause)
have_all() { for b in "${want[@]}"; do [ -x "$KUBE_BIN/$b" ] || return 1; done; }
if have_all; then echo "kube: binaries cached in $KUBE_BIN"; exit 0; fi

# A go new enough for k8s 1.35; if none, the official toolchain from the Go module proxy.
go_ok() { # $1 = go binary
  local v; v="$("$1" env GOVERSION 2>/dev/null)" || return 1
  v="${v#go}"; local maj="${v%%.*}" rest="${v#*.}"; local min="${rest%%.*}"
  local wmaj="${GO_MIN%%.*}" wmin="${GO_MIN#*.}"
  [ "$maj" -gt "$wmaj" ] || { [ "$maj" -eq "$wmaj" ] && [ "$min" -ge "$wmin" ]; }
}
GO=""
for c in "${GO_BIN:-}" "$(command -v go || true)" /usr/local/go/bin/go "$KUBE_CACHE/../go${GO_FETCH}/bin/go"; do
  if [ -n "$c" ] && [ -x "$c" ] && go_ok "$c"; then GO="$c"; break; fi
done
if [ -z "$GO" ]; then
  arch="$(uname -m)"; case "$arch" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
  dest="$KUBE_CACHE/../go${GO_FETCH}"
  url="${GOPROXY_BASE:-https://proxy.golang.org}/golang.org/toolchain/@v/v0.0.1-go${GO_FETCH}.linux-${arch}.zip"
  echo "kube: no go >= $GO_MIN found; fetching go $GO_FETCH from $url"
  command -v curl >/dev/null && command -v unzip >/dev/null || {
    echo "kube: building the test cluster needs go >= $GO_MIN, or curl and unzip to fetch it; install one of them." >&2; exit 2; }
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  curl -fsSL "$url" -o "$tmp/go.zip" || { echo "kube: could not fetch go $GO_FETCH from $url; install go >= $GO_MIN." >&2; exit 2; }
  unzip -q "$tmp/go.zip" -d "$tmp/x"
  # The module zip holds golang.org/toolchain@v0.0.1-go<V>.linux-<arch>/{bin,pkg,src,...}
  rm -rf "$dest"; mkdir -p "$(dirname "$dest")"; mv "$tmp/x/golang.org/toolchain@"*/ "$dest"
  chmod +x "$dest/bin/"* "$dest/pkg/tool/"*/* 2>/dev/null || true
  GO="$dest/bin/go"
fi
echo "kube: using $("$GO" env GOVERSION) ($GO)"

work="$KUBE_CACHE/work"
mkdir -p "$KUBE_BIN" "$work"
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-mod=mod
export GOCACHE="${KUBE_GOCACHE:-$work/gocache}"
t0=$SECONDS
tmpbin="$work/bin.partial"; mkdir -p "$tmpbin"

# etcd: its module uses ../api style replaces, so a wrapper pins them to the release.
if [ ! -x "$KUBE_BIN/etcd" ]; then
  d="$work/etcdwrap"; mkdir -p "$d"
  cat > "$d/go.mod" <<GOMOD
module example.com/fedsim-etcdwrap
go 1.25.0
require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}
replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 v${ETCD_VERSION}
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 v${ETCD_VERSION}
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 v${ETCD_VERSION}
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 v${ETCD_VERSION}
)
GOMOD
  printf 'package tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$d/tools.go"
  (cd "$d" && "$GO" mod tidy >/dev/null 2>&1 || true
   "$GO" build -trimpath -ldflags "-s -w" -o "$tmpbin/etcd" go.etcd.io/etcd/server/v3)
  mv "$tmpbin/etcd" "$KUBE_BIN/etcd"; echo "kube: etcd built (+$((SECONDS - t0)) s)"
fi

# Kubernetes: a wrapper module whose replace list is generated from upstream's staging replaces.
k8s_bins=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl kube-proxy)
need_k8s=0; for b in "${k8s_bins[@]}"; do [ -x "$KUBE_BIN/$b" ] || need_k8s=1; done
if [ $need_k8s = 1 ]; then
  d="$work/k8swrap"; mkdir -p "$d"
  gomod="$("$GO" mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
  minor="${K8S_VERSION#*.}"; minor="0.${minor}"
  { echo 'module example.com/fedsim-k8swrap'; echo 'go 1.25.0'; echo "require k8s.io/kubernetes v${K8S_VERSION}"; echo 'replace ('
    grep -E '=> \./staging' "$gomod" | awk -v v="v${minor}" '{print "\t"$1" => "$1" "v}'
    echo ')'; } > "$d/go.mod"
  { echo 'package tools'; echo; echo 'import ('
    for b in "${k8s_bins[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$b\""; done; echo ')'; } > "$d/tools.go"
  vp=k8s.io/component-base/version
  LD="-s -w -X $vp.gitVersion=v${K8S_VERSION} -X $vp.gitMajor=1 -X $vp.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
  LD="$LD -X $vp.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=v${K8S_VERSION}"
  (cd "$d" && "$GO" mod tidy >/dev/null
   pk=(); for b in "${k8s_bins[@]}"; do pk+=("k8s.io/kubernetes/cmd/$b"); done
   "$GO" build -trimpath -ldflags "$LD" -o "$tmpbin/" "${pk[@]}")
  for b in "${k8s_bins[@]}"; do mv "$tmpbin/$b" "$KUBE_BIN/$b"; done
  echo "kube: kubernetes built (+$((SECONDS - t0)) s)"
fi

# kwok and coredns build as plain modules.
if [ ! -x "$KUBE_BIN/kwok" ]; then
  GOBIN="$tmpbin" "$GO" install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v${KWOK_VERSION}"
  mv "$tmpbin/kwok" "$KUBE_BIN/kwok"; echo "kube: kwok built (+$((SECONDS - t0)) s)"
fi
# KWOK's stage definitions ship in its module; the cluster script feeds them to kwok.
if [ ! -s "$KUBE_BIN/kwok-stages.yaml" ]; then
  sdir="$("$GO" env GOMODCACHE)/sigs.k8s.io/kwok@v${KWOK_VERSION}/kustomize/stage"
  [ -d "$sdir" ] || GOFLAGS= "$GO" mod download "sigs.k8s.io/kwok@v${KWOK_VERSION}"
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    [ -f "$sdir/$f" ] || { echo "kube: KWOK $KWOK_VERSION has no stage $f" >&2; exit 2; }
    echo '---'; cat "$sdir/$f"
  done > "$KUBE_BIN/kwok-stages.yaml.partial"
  mv "$KUBE_BIN/kwok-stages.yaml.partial" "$KUBE_BIN/kwok-stages.yaml"
fi
# The pod sandbox ("pause") image's program: waits for a signal, reaps nothing (the pods here
# have no shared process namespace). Built here so no registry is needed.
if [ ! -x "$KUBE_BIN/pause" ]; then
  d="$work/pause"; mkdir -p "$d"
  printf 'module example.com/fedsim-pause\ngo 1.25.0\n' > "$d/go.mod"
  cp "$here/node/pause.go" "$d/main.go"
  (cd "$d" && "$GO" build -trimpath -ldflags "-s -w" -o "$tmpbin/pause" .)
  mv "$tmpbin/pause" "$KUBE_BIN/pause"
fi
# The build cache is ~5 GB and not worth keeping once the binaries exist.
[ -n "${KUBE_GOCACHE:-}" ] || rm -rf "$work/gocache"
echo "kube: all binaries in $KUBE_BIN ($((SECONDS - t0)) s)"
