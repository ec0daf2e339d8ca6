#!/usr/bin/env bash
# Fetches Debian's kernel package and builds the guest initramfs for the QEMU pptpd/pppd gateway,
# both cached by kernel version, then prints where they are (shell assignments, one a line):
#   PPTPQ_KERNEL_VERSION=6.1.0-57-amd64
#   PPTPQ_KERNEL=<cache>/6.1.0-57-amd64/vmlinux   (vmlinuz when no ELF could be taken out)
#   PPTPQ_INITRD=<cache>/6.1.0-57-amd64/initramfs-<hash>.cpio.gz
# The kernel version is PPTPQ_KERNEL_VERSION when set, else what Debian's linux-image-amd64
# meta-package depends on (the current Debian 12 kernel). The cache is PPTPQ_CACHE, else
# /tmp/pptp-monitor-qemu (outside the repo: `npm ci` empties node_modules, and a cache there would be
# cold on every CI run). The initramfs name carries a hash of the guest init, the module list and the
# busybox binary, so editing test/qemu/init rebuilds it. A warm cache makes this about 0.1 s of
# checks; a cold one downloads about 70 MB and unpacks it (about 20 s here, most of it dpkg-deb).
# Needs: apt-get (download only), dpkg-deb, busybox (static, /bin/busybox from busybox-static).
# Progress goes to stderr; nothing is installed on the host.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${PPTPQ_CACHE:-${TMPDIR:-/tmp}/pptp-monitor-qemu}"
busybox="${PPTPQ_BUSYBOX:-/bin/busybox}"
# Modules the guest needs; their dependencies are added from each module's own modinfo.
wanted=(virtio_pci virtio_net 9pnet_virtio 9p ppp_generic ppp_async ppp_mppe)

log() { echo "prepare: $*" >&2; }

mkdir -p "$cache"
# One builder at a time (CI's preparation and a test may overlap); the others wait, then find it built.
exec 9>"$cache/.lock"
flock 9
kver="${PPTPQ_KERNEL_VERSION:-}"
if [ -z "$kver" ]; then
  # apt-cache takes about 2 s: its answer is kept until the package lists change.
  lists_key="$(stat -c '%n %Y %s' /var/lib/apt/lists/*_Packages* 2>/dev/null | sha256sum | cut -c1-16)"
  resolve() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: linux-image-\(.*-amd64\)$/\1/p' | head -n1; }
  if [ -s "$cache/resolved-$lists_key" ]; then
    kver="$(cat "$cache/resolved-$lists_key")"
  else
    kver="$(resolve)"
    if [ -z "$kver" ] && [ "$(id -u)" = 0 ]; then
      log "apt-cache does not know linux-image-amd64: apt-get update"
      apt-get update -qq >&2
      kver="$(resolve)"
    fi
    [ -n "$kver" ] || { log "cannot tell which linux-image-*-amd64 to use (set PPTPQ_KERNEL_VERSION)"; exit 2; }
    rm -f "$cache"/resolved-*
    echo "$kver" >"$cache/resolved-$lists_key"
  fi
fi
[ -x "$busybox" ] || { log "$busybox missing: apt-get install busybox-static"; exit 2; }
# The initramfs has no libc: a dynamically linked busybox (package busybox) names its loader.
if head -c 8192 "$busybox" | grep -a 'ld-linux' >/dev/null; then
  log "$busybox is dynamically linked: install busybox-static"; exit 2
fi

dir="$cache/$kver"
mkdir -p "$dir"
if [ ! -s "$dir/vmlinuz" ] || [ ! -s "$dir/modules.ok" ]; then
  command -v dpkg-deb >/dev/null || { log "dpkg-deb missing"; exit 2; }
  tmp="$(mktemp -d "$cache/.fetch-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  log "downloading linux-image-$kver"
  t0=$(date +%s%N)
  # apt's sandbox user cannot write to our temporary directory: the download then runs as root
  # (it says so on stderr, which is hidden unless the download fails).
  if ! (cd "$tmp" && apt-get download -qq "linux-image-$kver" >/dev/null 2>"$tmp/apt.err"); then
    if [ -n "${PPTPQ_KERNEL_VERSION:-}" ] || [ "$(id -u)" != 0 ]; then
      cat "$tmp/apt.err" >&2; log "cannot download linux-image-$kver"; exit 4
    fi
    # Stale package lists name a kernel the archive no longer has: refresh them and start over.
    log "download failed ($(tail -n1 "$tmp/apt.err")): apt-get update, then again"
    apt-get update -qq >&2
    rm -rf "$tmp" "$cache"/resolved-*
    rmdir "$dir/modules" "$dir" 2>/dev/null || true
    trap - EXIT
    exec 9>&-
    [ -z "${PPTPQ_RETRIED:-}" ] || { log "still no kernel after apt-get update"; exit 4; }
    PPTPQ_RETRIED=1 exec "$0" "$@"
  fi
  t1=$(date +%s%N)
  deb="$(ls "$tmp"/linux-image-"$kver"_*.deb)"
  dpkg-deb -x "$deb" "$tmp/x"
  rm -rf "$dir/modules" && mkdir -p "$dir/modules"
  moddir="$tmp/x/lib/modules/$kver/kernel"
  # Every module's path by name, then the wanted ones and their dependencies in dependency order.
  find "$moddir" -name '*.ko*' >"$tmp/all"
  order=()
  declare -A seen=()
  visit() {
    local name="$1" file deps dep
    [ -n "${seen[$name]:-}" ] && return 0
    seen[$name]=1
    file="$(grep -E "/${name//_/[_-]}\.ko(\.[a-z]+)?$" "$tmp/all" | head -n1 || true)"
    if [ -z "$file" ]; then
      grep -qE "/${name//_/[_-]}\.ko$" "$tmp/x/lib/modules/$kver/modules.builtin" && return 0
      log "module $name not in linux-image-$kver"; exit 3
    fi
    case "$file" in
      *.ko) ;;
      *.ko.xz) xz -dc "$file" >"$tmp/$name.ko"; file="$tmp/$name.ko" ;;
      *.ko.zst) zstd -qdc "$file" >"$tmp/$name.ko"; file="$tmp/$name.ko" ;;
      *) log "unknown module compression: $file"; exit 3 ;;
    esac
    deps="$(grep -a -o 'depends=[a-z0-9_,-]*' "$file" | head -n1 | sed 's/^depends=//' | tr ',' ' ')"
    for dep in $deps; do visit "$dep"; done
    cp "$file" "$dir/modules/$name.ko"
    order+=("$name")
  }
  for m in "${wanted[@]}"; do visit "$m"; done
  printf '%s\n' "${order[@]}" >"$dir/modules.list"
  cp "$tmp/x/boot/vmlinuz-$kver" "$dir/vmlinuz"
  # The ELF kernel inside the bzImage, booted through its PVH entry point: QEMU loads it directly,
  # which skips the real-mode setup and the xz decompression (about 10 s under TCG). When no
  # compressed ELF is found, boot.sh falls back to the bzImage.
  off="$(grep -abo $'\xfd7zXZ\x00' "$dir/vmlinuz" | head -n1 | cut -d: -f1 || true)"
  if [ -n "$off" ] && tail -c +$((off + 1)) "$dir/vmlinuz" >"$tmp/payload" && xz -dc --single-stream <"$tmp/payload" >"$tmp/vmlinux" 2>/dev/null \
    && [ "$(head -c 4 "$tmp/vmlinux" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && grep -aq 'Xen' "$tmp/vmlinux"; then
    mv "$tmp/vmlinux" "$dir/vmlinux"
  else
    rm -f "$dir/vmlinux"
    log "no xz-compressed ELF kernel found in vmlinuz-$kver: booting the bzImage (slower)"
  fi
  t2=$(date +%s%N)
  echo "download_ms=$(((t1 - t0) / 1000000)) extract_ms=$(((t2 - t1) / 1000000)) modules=${order[*]}" >"$dir/modules.ok"
  log "kernel $kver cached in $dir ($(cat "$dir/modules.ok"))"
  rm -rf "$tmp"
  trap - EXIT
fi

hash="$( (cat "$here/init" "$dir/modules.list"; "$busybox" 2>&1 | head -n1; sha256sum "$busybox") | sha256sum | cut -c1-12)"
initrd="$dir/initramfs-$hash.cpio.gz"
if [ ! -s "$initrd" ]; then
  root="$(mktemp -d "$cache/.initramfs-XXXXXX")"
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root"/{bin,dev,proc,sys,host,modules}
  cp "$busybox" "$root/bin/busybox"
  cp "$here/init" "$root/init" && chmod 755 "$root/init"
  cp "$dir"/modules/*.ko "$root/modules/"
  cp "$dir/modules.list" "$root/modules.list"
  # The kernel opens /dev/console for init before anything is mounted.
  mknod -m 600 "$root/dev/console" c 5 1
  mknod -m 666 "$root/dev/null" c 1 3
  (cd "$root" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1 >"$initrd.tmp")
  mv "$initrd.tmp" "$initrd"
  rm -rf "$root"
  trap - EXIT
  log "initramfs $initrd built"
fi

# Only the newest build is kept: older initramfs images, and other kernels unless one was asked for.
find "$dir" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -name "${initrd##*/}" -delete
if [ -z "${PPTPQ_KERNEL_VERSION:-}" ]; then
  find "$cache" -mindepth 1 -maxdepth 1 -type d -name '*-amd64' ! -name "$kver" -exec rm -rf {} +
fi

echo "PPTPQ_KERNEL_VERSION=$kver"
if [ -s "$dir/vmlinux" ]; then echo "PPTPQ_KERNEL=$dir/vmlinux"; else echo "PPTPQ_KERNEL=$dir/vmlinuz"; fi
echo "PPTPQ_INITRD=$initrd"
