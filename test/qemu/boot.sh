#!/usr/bin/env bash
# Boots the QEMU pptpd/pppd gateway in the foreground: Debian's own kernel (software emulation),
# the host's pptpd and pppd from the host root shared read-only over 9p, kernel PPP with ppp_mppe.
# Run it inside a network namespace that holds the tap device (see README.md): GRE reaches the guest
# only through the tap (QEMU's user networking carries TCP and UDP only).
#   PPTPQ_TAP   tap device in the current namespace (default tap0)
#   PPTPQ_IP    the guest's eth0 address with prefix (default 10.78.0.2/24)
#   PPTPQ_CONF  directory copied into the guest's /etc/ppp: pptpd.conf, pptpd-options, options,
#               chap-secrets (default test/qemu/etc-ppp); an absolute host path
#   PPTPQ_MEM   guest memory in MiB (default 256)
# The serial console (kernel messages, the init's PPTPQ-* markers, pptpd and pppd through syslogd)
# goes to stdout. The guest powers off when pptpd exits or a step of its init fails; kill QEMU
# (SIGTERM) to stop it otherwise.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tap="${PPTPQ_TAP:-tap0}"
ip="${PPTPQ_IP:-10.78.0.2/24}"
conf="$(cd "${PPTPQ_CONF:-$here/etc-ppp}" && pwd)"
mem="${PPTPQ_MEM:-256}"
qemu="$(command -v qemu-system-x86_64 || true)"
[ -n "$qemu" ] || { echo "boot: qemu-system-x86_64 missing: apt-get install qemu-system-x86" >&2; exit 2; }
[ -e "/sys/class/net/$tap" ] || { echo "boot: no tap device $tap in this network namespace" >&2; exit 2; }
eval "$("$here/prepare.sh")"

# -accel tcg: /dev/kvm opens on these machines but the CPU has no vmx/svm (with KVM the guest hangs).
# mitigations=off, tsc=reliable and no_timer_check trim a few seconds of boot under emulation.
exec "$qemu" -accel tcg -smp 1 -m "$mem" -nodefaults -no-user-config -display none \
  -serial stdio -monitor none -no-reboot \
  -kernel "$PPTPQ_KERNEL" -initrd "$PPTPQ_INITRD" \
  -append "console=ttyS0 panic=-1 quiet mitigations=off tsc=reliable no_timer_check pptpq.ip=$ip pptpq.conf=$conf" \
  -virtfs local,path=/,mount_tag=hostroot,readonly=on,multidevs=remap,security_model=none \
  -netdev "tap,id=n0,ifname=$tap,script=no,downscript=no" -device virtio-net-pci,netdev=n0,mac=52:54:00:70:70:02 \
  </dev/null
