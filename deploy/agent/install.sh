#!/bin/sh
# Installs the pptp-monitor agent from this unpacked tarball (run it from anywhere; it finds its files
# beside itself). As root on a Debian host with Node >= 20.19 and systemd:
#
#   ./install.sh                  install and reload systemd
#   ./install.sh --root <dir>     lay the files out under <dir> instead of /, and leave systemd alone
#                                 (packaging, tests); DESTDIR=<dir> does the same
#
# Lays out:
#   /opt/pptp-monitor/                         pptp-monitor.mjs, node_modules/ (koffi), INSTALL.md, VERSION
#   /etc/systemd/system/pptp-monitor-agent.service
#   /etc/pptp-monitor/                         0755: monitor.yml goes here (yours to write)
#   /etc/pptp-monitor/agent.env                0600 root, created only if missing (never overwritten)
set -eu

# The engines field of package.json; test/integration/agent-install.test.ts keeps the two equal.
MIN_NODE_MAJOR=20
MIN_NODE_MINOR=19
UNIT=pptp-monitor-agent.service

die() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
}

root=${DESTDIR:-}
while [ $# -gt 0 ]; do
  case $1 in
    --root)
      [ $# -ge 2 ] || die "--root needs a directory"
      root=$2
      shift 2
      ;;
    --root=*)
      root=${1#--root=}
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
# Strip a trailing slash so "$root/opt" never reads "//opt".
root=${root%/}

here=$(cd "$(dirname "$0")" && pwd)
for file in pptp-monitor.mjs "$UNIT" INSTALL.md node_modules/koffi/package.json; do
  [ -e "$here/$file" ] || die "$here/$file is missing: run install.sh from the unpacked tarball"
done

if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
  die "run as root (or with --root <dir> to lay the files out elsewhere)"
fi

# ---- Node: the unit runs /usr/bin/node ----
node_bin=$(command -v node || true)
[ -n "$node_bin" ] || die "node not found on PATH: install Node >= $MIN_NODE_MAJOR.$MIN_NODE_MINOR (e.g. from NodeSource's Debian repository)"
node_version=$("$node_bin" -p process.versions.node) || die "$node_bin does not run"
node_major=${node_version%%.*}
node_minor=${node_version#*.}
node_minor=${node_minor%%.*}
case "$node_major.$node_minor" in
  *[!0-9.]* | .* | *.) die "cannot read the version of $node_bin: '$node_version'" ;;
esac
if [ "$node_major" -lt "$MIN_NODE_MAJOR" ] || { [ "$node_major" -eq "$MIN_NODE_MAJOR" ] && [ "$node_minor" -lt "$MIN_NODE_MINOR" ]; }; then
  die "node $node_version at $node_bin is too old: the agent needs >= $MIN_NODE_MAJOR.$MIN_NODE_MINOR"
fi
# Another node on PATH is used instead of /usr/bin/node (the unit's ExecStart is rewritten), but not
# one under /home, /root or /tmp: the unit's ProtectHome= and PrivateTmp= hide those from the service
# (nvm installs there).
node_real=$(readlink -f "$node_bin")
case $node_real in
  /home/* | /root/* | /tmp/* | /var/tmp/*)
    die "node is $node_real, which the service cannot see (ProtectHome/PrivateTmp): install Node system-wide, e.g. /usr/bin/node"
    ;;
esac

# koffi's binary is per platform: a tarball built on another architecture still runs the control
# probes, but the login probe (raw GRE) cannot load, so say so now rather than at the first login check.
node_platform=$("$node_bin" -p '`${process.platform}-${process.arch}`')
if [ ! -d "$here/node_modules/@koromix/koffi-$node_platform" ]; then
  printf 'install.sh: warning: this tarball has no koffi binary for %s: login checks (check: pptp-login) will not run here; build the tarball on a %s host\n' "$node_platform" "$node_platform" >&2
fi

# ---- /opt/pptp-monitor ----
# Built beside the old tree and swapped in with mv: a running agent has koffi.node mapped, and
# overwriting that file in place (cp) can crash it; a rename leaves the old inode alive until restart.
opt="$root/opt/pptp-monitor"
mkdir -p "$root/opt"
staging="$opt.new.$$"
rm -rf "$staging"
mkdir -p "$staging"
cp -R "$here/node_modules" "$staging/node_modules"
cp "$here/pptp-monitor.mjs" "$here/INSTALL.md" "$staging/"
[ ! -e "$here/VERSION" ] || cp "$here/VERSION" "$staging/"
# Root-owned and world-readable: the dynamic user runs it, and must not be able to change it.
chown -R 0:0 "$staging" 2>/dev/null || [ -n "$root" ] || die "cannot chown $staging to root"
find "$staging" -type d -exec chmod 0755 {} +
find "$staging" -type f -exec chmod 0644 {} +
chmod 0755 "$staging/pptp-monitor.mjs"
if [ -d "$opt" ]; then
  mv "$opt" "$opt.old.$$"
  mv "$staging" "$opt"
  rm -rf "$opt.old.$$"
else
  mv "$staging" "$opt"
fi

# ---- the unit ----
mkdir -p "$root/etc/systemd/system"
unit_path="$root/etc/systemd/system/$UNIT"
if [ "$node_bin" = /usr/bin/node ]; then
  cp "$here/$UNIT" "$unit_path.tmp.$$"
else
  sed "s#^ExecStart=/usr/bin/node #ExecStart=$node_bin #" "$here/$UNIT" >"$unit_path.tmp.$$"
  printf 'install.sh: node is %s, not /usr/bin/node: ExecStart uses it\n' "$node_bin"
fi
chmod 0644 "$unit_path.tmp.$$"
mv "$unit_path.tmp.$$" "$unit_path"

# ---- /etc/pptp-monitor ----
etc="$root/etc/pptp-monitor"
mkdir -p "$etc"
chmod 0755 "$etc"
if [ ! -e "$etc/agent.env" ]; then
  # umask first, so the file never exists with wider permissions, not even for a moment.
  (
    umask 077
    cat >"$etc/agent.env" <<'EOF'
# Environment of the pptp-monitor agent. systemd (as root) reads it before starting the service:
# keep it 0600 root:root. One NAME=value a line; quote a value holding spaces, quotes, # or
# backslashes with single quotes. See /opt/pptp-monitor/INSTALL.md.

# Required: the name this agent reports as, one of the names under agents: in monitor.yml.
PPTP_MONITOR_LOCATION=

# AWS credentials: nothing on EC2 (the instance profile). Elsewhere, an IAM user's keys here, or a
# profile (see INSTALL.md: the service has no home directory, so the config file is passed in).
#AWS_REGION=eu-central-1
#AWS_ACCESS_KEY_ID=
#AWS_SECRET_ACCESS_KEY=
#AWS_PROFILE=

# Login passwords named by passwordEnv: in monitor.yml, for example:
#HQ_GW_LOGIN_PASSWORD='...'
EOF
  )
  chown 0:0 "$etc/agent.env" 2>/dev/null || [ -n "$root" ] || die "cannot chown $etc/agent.env to root"
  agent_env_note="created $etc/agent.env (0600)"
else
  agent_env_note="kept the existing $etc/agent.env"
fi

# ---- systemd ----
if [ -n "$root" ]; then
  reload_note="skipped systemctl daemon-reload (--root $root)"
elif [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  reload_note="reloaded systemd"
else
  reload_note="systemd is not running here: run 'systemctl daemon-reload' on the host that runs the agent"
fi

cat <<EOF
Installed pptp-monitor agent $(cut -d' ' -f1 "$opt/VERSION" 2>/dev/null || echo '') into ${root:-/}: $agent_env_note; $reload_note.

Next steps:
  1. Write /etc/pptp-monitor/monitor.yml (0644; it holds no passwords) and check it:
       $node_bin /opt/pptp-monitor/pptp-monitor.mjs validate /etc/pptp-monitor/monitor.yml
  2. Edit /etc/pptp-monitor/agent.env: PPTP_MONITOR_LOCATION, AWS credentials unless on EC2, passwords.
  3. systemctl enable --now pptp-monitor-agent
     (after an upgrade: systemctl restart pptp-monitor-agent)
  4. journalctl -u pptp-monitor-agent -f
EOF
