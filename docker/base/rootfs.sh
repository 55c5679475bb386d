#!/usr/bin/env bash
# Makes a minimal Debian bookworm root file system in $1, to be imported as fedsim's base image.
# Needs root and debootstrap. The fixes follow moby's mkimage script and debuerreotype.
set -euo pipefail
dir="$1"
mirror="${FEDSIM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
debootstrap --variant=minbase \
  --include=ca-certificates,procps,iproute2,iptables,curl,netbase \
  bookworm "$dir" "$mirror" >&2
# debootstrap writes only "bookworm main": add updates and security so images get fixes.
cat > "$dir/etc/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
# Package postinst scripts must not try to start services inside image builds.
printf '#!/bin/sh\nexit 101\n' > "$dir/usr/sbin/policy-rc.d"
chmod 755 "$dir/usr/sbin/policy-rc.d"
# Small images: no docs, no apt caches, no recommended packages.
cat > "$dir/etc/apt/apt.conf.d/docker-clean" <<'CONF'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
CONF
cat > "$dir/etc/dpkg/dpkg.cfg.d/docker-no-docs" <<'CONF'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CONF
# The engine mounts its own at run time; the host's must not leak into the image.
: > "$dir/etc/resolv.conf"
: > "$dir/etc/hostname"
rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/log/*.log "$dir"/usr/share/doc/* "$dir"/usr/share/man/*
