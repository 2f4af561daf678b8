#!/usr/bin/env bash
# Builds channelcastd and channelcast and installs them with the systemd unit and a
# configuration file; or removes them again. Run `Deploy/install.sh --help`.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: Deploy/install.sh [options]

Builds channelcastd and channelcast with the Swift runtime linked in
(swift build -c release --static-swift-stdlib), so that they need only libzmq5 and the C and
C++ libraries on the target, and installs:
  PREFIX/bin/channelcastd and PREFIX/bin/channelcast
  /etc/channelcast/channelcastd.toml       only when there is none; never overwritten
  /etc/systemd/system/channelcastd.service
then runs `systemctl daemon-reload` when systemd is running. It does not enable or start the
service. Running it again installs the binaries and the unit again and keeps the configuration.

Options:
  --prefix DIR        Install the binaries into DIR/bin (default /usr/local; or PREFIX=DIR).
                      The unit's ExecStart= is changed to match.
  --destdir DIR       Install under DIR as the root directory, for packages and tests (or
                      DESTDIR=DIR). systemctl is not run.
  --scratch-path DIR  The build folder (default .build-install in the repository, apart from
                      the .build that make run builds without --static-swift-stdlib); the
                      binaries are taken from DIR/release.
  --no-build          Do not build; install the binaries already in the build folder.
  --uninstall         Stop and disable the service (when systemd is running), remove the
                      binaries and the unit. The configuration in /etc/channelcast and the
                      data in /var/lib/channelcast are kept.
  -h, --help          Show this help.

Installing into the system needs root. To build as yourself and install as root:
  swift build -c release --static-swift-stdlib --scratch-path .build-install
  sudo Deploy/install.sh --no-build
EOF
}

repository="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${PREFIX:-/usr/local}"
destdir="${DESTDIR:-}"
scratch_path="$repository/.build-install"
build=yes
action=install

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#*=}"; shift ;;
    --destdir) destdir="${2:?--destdir needs a directory}"; shift 2 ;;
    --destdir=*) destdir="${1#*=}"; shift ;;
    --scratch-path) scratch_path="${2:?--scratch-path needs a directory}"; shift 2 ;;
    --scratch-path=*) scratch_path="${1#*=}"; shift ;;
    --no-build) build=no; shift ;;
    --uninstall) action=uninstall; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1; see --help" >&2; exit 64 ;;
  esac
done

case "$prefix" in
  /*) ;;
  *) echo "install.sh: --prefix must be an absolute path, not $prefix" >&2; exit 64 ;;
esac
case "$scratch_path" in
  /*) ;;
  *) scratch_path="$PWD/$scratch_path" ;;
esac
if [ -n "$destdir" ]; then
  mkdir -p "$destdir"
  destdir="$(cd "$destdir" && pwd)"
fi

# Paths as they are on the target system; $destdir is put in front only to write them.
bin_dir="$prefix/bin"
config_dir=/etc/channelcast
config_file="$config_dir/channelcastd.toml"
unit_file=/etc/systemd/system/channelcastd.service
wants_link=/etc/systemd/system/multi-user.target.wants/channelcastd.service
data_dir=/var/lib/channelcast

# systemctl only for the real root, and only when systemd is the running init.
systemd_running() {
  [ -z "$destdir" ] && [ -d /run/systemd/system ]
}

say() {
  echo "install.sh: $*"
}

if [ -z "$destdir" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: installing into the system needs root; run it with sudo, or give --destdir" >&2
  exit 1
fi

uninstall() {
  if systemd_running; then
    say "systemctl disable --now channelcastd.service"
    systemctl disable --now channelcastd.service 2>/dev/null || true
  fi
  for path in "$bin_dir/channelcastd" "$bin_dir/channelcast" "$unit_file"; do
    if [ -e "$destdir$path" ]; then
      rm -f "$destdir$path"
      say "removed $destdir$path"
    else
      say "$destdir$path is not there"
    fi
  done
  # Left by `systemctl enable` when systemd was not running to disable it.
  if [ -L "$destdir$wants_link" ]; then
    rm -f "$destdir$wants_link"
    say "removed $destdir$wants_link"
  fi
  if systemd_running; then
    say "systemctl daemon-reload"
    systemctl daemon-reload
  fi
  say "kept $destdir$config_file (the configuration) and $destdir$data_dir (the data:" \
    "journal and snapshots; with the unit's DynamicUser= it is in /var/lib/private/channelcast)." \
    "Remove them by hand if you no longer need them."
}

install_files() {
  local products="$scratch_path/release"
  if [ "$build" = yes ]; then
    say "building: swift build -c release --static-swift-stdlib --scratch-path $scratch_path"
    (cd "$repository" && swift build -c release --static-swift-stdlib --scratch-path "$scratch_path")
  fi
  for name in channelcastd channelcast; do
    if [ ! -x "$products/$name" ]; then
      echo "install.sh: $products/$name is not built; run without --no-build" >&2
      exit 1
    fi
  done

  for name in channelcastd channelcast; do
    install -D -m 0755 "$products/$name" "$destdir$bin_dir/$name"
    say "installed $destdir$bin_dir/$name"
  done

  # The daemon runs as a dynamic user, which must be able to read its configuration.
  install -d -m 0755 "$destdir$config_dir"
  if [ -e "$destdir$config_file" ]; then
    say "kept $destdir$config_file: it exists, and install.sh never overwrites it" \
      "(Deploy/channelcastd.toml has every key with its default)"
  else
    install -m 0644 "$repository/Deploy/channelcastd.toml" "$destdir$config_file"
    say "installed $destdir$config_file"
  fi

  # ExecStart= names /usr/local/bin/channelcastd; follow another --prefix.
  local unit
  unit="$(mktemp)"
  sed "s|^ExecStart=/usr/local/bin/channelcastd |ExecStart=$bin_dir/channelcastd |" \
    "$repository/Deploy/channelcastd.service" >"$unit"
  install -D -m 0644 "$unit" "$destdir$unit_file"
  rm -f "$unit"
  say "installed $destdir$unit_file"

  if systemd_running; then
    say "systemctl daemon-reload"
    systemctl daemon-reload
    if systemctl is-active --quiet channelcastd.service; then
      say "channelcastd is running the binary it was started with;" \
        "systemctl restart channelcastd runs the new one"
    else
      say "start it with: systemctl enable --now channelcastd"
    fi
  elif [ -z "$destdir" ]; then
    say "systemd is not running here (no /run/systemd/system): systemctl daemon-reload skipped"
  fi
}

case "$action" in
  install) install_files ;;
  uninstall) uninstall ;;
esac
