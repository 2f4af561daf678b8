#!/usr/bin/env bash
# Tests of the deployment files: Deploy/install.sh run into temporary roots, the installed unit
# through `systemd-analyze verify`, and the Grafana dashboard and Prometheus configuration.
#
# Usage: Deploy/test-install.sh [--scratch-path DIR] [TEST...]
# The binaries must be built in DIR/release (default .build-install, as install.sh builds them);
# `make test-install` builds them first. With no TEST, every test runs.
set -euo pipefail

repository="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
install_sh="$repository/Deploy/install.sh"
scratch_path="$repository/.build-install"
if [ "${1:-}" = --scratch-path ]; then
  scratch_path="$(cd "${2:?--scratch-path needs a directory}" && pwd)"
  shift 2
fi

fail() {
  echo "    $*" >&2
  exit 1
}

# A test that cannot run here; it is reported, not counted as passed.
skip() {
  echo "    skipped: $*" >&2
  exit 77
}

mode_of() {
  stat -c %a "$1"
}

expect_mode() {
  [ -e "$1" ] || fail "$1 is missing"
  [ "$(mode_of "$1")" = "$2" ] || fail "$1 has mode $(mode_of "$1"), expected $2"
}

expect_missing() {
  if [ -e "$1" ] || [ -L "$1" ]; then fail "$1 is still there"; fi
}

expect_output() {
  grep -qF -- "$2" <<<"$1" || fail "the output does not say \"$2\"; it was:"$'\n'"$1"
}

# install.sh into the root $1, without building; prints what install.sh printed.
install_into() {
  local root="$1"
  shift
  "$install_sh" --no-build --scratch-path "$scratch_path" --destdir "$root" "$@" 2>&1
}

test_install_puts_each_file_in_place_with_its_mode() {
  install_into "$work/root" >/dev/null
  expect_mode "$work/root/usr/local/bin/channelcastd" 755
  expect_mode "$work/root/usr/local/bin/channelcast" 755
  expect_mode "$work/root/etc/channelcast" 755
  # The daemon runs as a dynamic user, which reads the configuration: world-readable.
  expect_mode "$work/root/etc/channelcast/channelcastd.toml" 644
  expect_mode "$work/root/etc/systemd/system/channelcastd.service" 644
  cmp -s "$repository/Deploy/channelcastd.toml" "$work/root/etc/channelcast/channelcastd.toml" ||
    fail "the installed configuration differs from Deploy/channelcastd.toml"
  cmp -s "$repository/Deploy/channelcastd.service" \
    "$work/root/etc/systemd/system/channelcastd.service" ||
    fail "the installed unit differs from Deploy/channelcastd.service"
  cmp -s "$scratch_path/release/channelcastd" "$work/root/usr/local/bin/channelcastd" ||
    fail "the installed channelcastd is not the built one"
  # The installed binaries run from where they are (the Swift runtime is linked in).
  "$work/root/usr/local/bin/channelcastd" --help >/dev/null || fail "channelcastd --help failed"
  "$work/root/usr/local/bin/channelcast" --help >/dev/null || fail "channelcast --help failed"
}

test_install_leaves_nothing_else_in_the_root() {
  install_into "$work/root" >/dev/null
  local found
  found="$(cd "$work/root" && find . -type f | sort | tr '\n' ' ')"
  local expected="./etc/channelcast/channelcastd.toml ./etc/systemd/system/channelcastd.service "
  expected+="./usr/local/bin/channelcast ./usr/local/bin/channelcastd "
  [ "$found" = "$expected" ] || fail "the root holds: $found; expected: $expected"
}

test_second_install_keeps_an_edited_configuration() {
  install_into "$work/root" >/dev/null
  local config="$work/root/etc/channelcast/channelcastd.toml"
  echo 'shards = 3' >"$config"
  local output
  output="$(install_into "$work/root")" || fail "the second run failed:"$'\n'"$output"
  [ "$(cat "$config")" = 'shards = 3' ] || fail "the second run overwrote the edited $config"
  expect_output "$output" "kept $config: it exists, and install.sh never overwrites it"
  expect_mode "$work/root/usr/local/bin/channelcastd" 755
  expect_mode "$work/root/etc/systemd/system/channelcastd.service" 644
}

test_uninstall_removes_binaries_and_unit_and_keeps_configuration() {
  install_into "$work/root" >/dev/null
  mkdir -p "$work/root/etc/systemd/system/multi-user.target.wants"
  ln -s /etc/systemd/system/channelcastd.service \
    "$work/root/etc/systemd/system/multi-user.target.wants/channelcastd.service"
  local output
  output="$(install_into "$work/root" --uninstall)" || fail "--uninstall failed:"$'\n'"$output"
  expect_missing "$work/root/usr/local/bin/channelcastd"
  expect_missing "$work/root/usr/local/bin/channelcast"
  expect_missing "$work/root/etc/systemd/system/channelcastd.service"
  expect_missing "$work/root/etc/systemd/system/multi-user.target.wants/channelcastd.service"
  expect_mode "$work/root/etc/channelcast/channelcastd.toml" 644
  expect_output "$output" "kept $work/root/etc/channelcast/channelcastd.toml (the configuration)"
  expect_output "$output" "/var/lib/channelcast (the data"
  # A second --uninstall finds nothing to remove and is fine.
  output="$(install_into "$work/root" --uninstall)" || fail "a second --uninstall failed"
  expect_output "$output" "$work/root/usr/local/bin/channelcastd is not there"
}

test_prefix_moves_the_binaries_and_exec_start() {
  install_into "$work/root" --prefix /opt/channelcast >/dev/null
  expect_mode "$work/root/opt/channelcast/bin/channelcastd" 755
  expect_missing "$work/root/usr/local/bin/channelcastd"
  grep -qx 'ExecStart=/opt/channelcast/bin/channelcastd --config /etc/channelcast/channelcastd.toml --data-directory /var/lib/channelcast' \
    "$work/root/etc/systemd/system/channelcastd.service" ||
    fail "ExecStart= does not name /opt/channelcast/bin/channelcastd"
  "$install_sh" --destdir "$work/root" --prefix /opt/channelcast --uninstall >/dev/null
  expect_missing "$work/root/opt/channelcast/bin/channelcastd"
}

test_destdir_can_come_from_the_environment() {
  DESTDIR="$work/root" "$install_sh" --no-build --scratch-path "$scratch_path" >/dev/null
  expect_mode "$work/root/usr/local/bin/channelcastd" 755
}

test_unknown_option_is_a_usage_error() {
  local status=0
  "$install_sh" --destdir "$work/root" --frobnicate >/dev/null 2>&1 || status=$?
  [ "$status" = 64 ] || fail "exit status $status, expected 64"
  "$install_sh" --help | grep -q -- '--uninstall' || fail "--help does not describe --uninstall"
}

# With systemd running, install.sh runs systemctl. It runs here as for the real root, in a
# private mount namespace: /etc and /usr/local are overlays whose changes stay in $work,
# /run/systemd/system exists, and systemctl is a stand-in that records its arguments and says
# the service is active.
test_with_systemd_running_install_reloads_and_uninstall_disables() {
  if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null; then
    skip "needs root and unshare"
  fi
  mkdir -p "$work/etc-upper" "$work/etc-work" "$work/local-upper" "$work/local-work" "$work/bin"
  printf '#!/bin/sh\necho "systemctl $*" >>"%s"\n' "$work/calls" >"$work/bin/systemctl"
  chmod +x "$work/bin/systemctl"
  local output
  # shellcheck disable=SC2016 # the inner bash expands them
  output="$(WORK="$work" INSTALL_SH="$install_sh" SCRATCH="$scratch_path" \
    unshare --mount --propagation private bash -euc '
      mount -t overlay overlay \
        -o "lowerdir=/etc,upperdir=$WORK/etc-upper,workdir=$WORK/etc-work" /etc
      mount -t overlay overlay \
        -o "lowerdir=/usr/local,upperdir=$WORK/local-upper,workdir=$WORK/local-work" /usr/local
      mount -t tmpfs tmpfs /run/systemd
      mkdir /run/systemd/system
      export PATH="$WORK/bin:$PATH"
      "$INSTALL_SH" --no-build --scratch-path "$SCRATCH"
      test -x /usr/local/bin/channelcastd
      "$INSTALL_SH" --uninstall
      test ! -e /usr/local/bin/channelcastd
      test -e /etc/channelcast/channelcastd.toml' 2>&1)" ||
    fail "install.sh with systemd running failed:"$'\n'"$output"
  local expected="systemctl daemon-reload
systemctl is-active --quiet channelcastd.service
systemctl disable --now channelcastd.service
systemctl daemon-reload"
  [ "$(cat "$work/calls")" = "$expected" ] ||
    fail "systemctl was called as:"$'\n'"$(cat "$work/calls")"$'\n'"expected:"$'\n'"$expected"
  expect_output "$output" "channelcastd is running the binary it was started with"
  expect_missing /etc/channelcast
  expect_missing /usr/local/bin/channelcastd
}

# systemd-analyze verify checks that ExecStart= names an executable, so it runs on a copy of
# the installed unit whose ExecStart= names the binary installed in the temporary root.
# verify exits 0 even for an unknown key (it only warns): any output at all fails the test.
test_installed_unit_passes_systemd_analyze_verify() {
  command -v systemd-analyze >/dev/null ||
    fail "systemd-analyze is missing; install it with apt-get install systemd"
  install_into "$work/root" >/dev/null
  mkdir "$work/unit"
  sed "s|^ExecStart=/usr/local/bin/channelcastd |ExecStart=$work/root/usr/local/bin/channelcastd |" \
    "$work/root/etc/systemd/system/channelcastd.service" >"$work/unit/channelcastd.service"
  grep -q "^ExecStart=$work/root/" "$work/unit/channelcastd.service" ||
    fail "ExecStart= of the copy was not changed"
  local output status=0
  output="$(systemd-analyze verify "$work/unit/channelcastd.service" 2>&1)" || status=$?
  if [ "$status" != 0 ] || [ -n "$output" ]; then
    fail "systemd-analyze verify exited $status and said:"$'\n'"$output"
  fi
}

test_grafana_dashboard_is_importable_json() {
  python3 -m json.tool "$repository/Deploy/grafana/channelcast.json" >/dev/null ||
    fail "Deploy/grafana/channelcast.json is not valid JSON"
  python3 - "$repository/Deploy/grafana/channelcast.json" <<'EOF' || fail "see above"
import json, sys
dashboard = json.load(open(sys.argv[1]))
problems = []
if [i["name"] for i in dashboard.get("__inputs", [])] != ["DS_PROMETHEUS"]:
    problems.append("__inputs must be the one datasource DS_PROMETHEUS")
panels = [p for p in dashboard["panels"] if p["type"] != "row"]
ids = [p["id"] for p in dashboard["panels"]]
if len(ids) != len(set(ids)):
    problems.append("panel ids repeat")
expressions = []
for panel in panels:
    if panel["datasource"]["uid"] != "${DS_PROMETHEUS}":
        problems.append(f"{panel['title']}: datasource is not ${{DS_PROMETHEUS}}")
    for target in panel["targets"]:
        expressions.append(target["expr"])
for metric in ["channelcast_deliveries_sent_total", "channelcast_broadcasts_total",
               "channelcast_fanout_duration_seconds_bucket",
               "channelcast_command_duration_seconds_bucket", "channelcast_commands_total",
               "channelcast_shard_queue_depth", "channelcast_deliveries_dropped_total",
               "channelcast_subscriptions", "channelcast_official_accounts",
               "channelcast_events_total", "channelcast_journal_fsync_duration_seconds_bucket",
               "channelcast_journal_bytes_total", "channelcast_snapshot_duration_seconds_sum"]:
    if not any(metric + "{" in e for e in expressions):
        problems.append(f"no panel shows {metric}")
for problem in problems:
    print("    " + problem, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
}

# Every metric the dashboard queries is one the installed daemon serves on /metrics.
test_dashboard_metrics_are_served_by_the_daemon() {
  install_into "$work/root" >/dev/null
  local daemon="$work/root/usr/local/bin/channelcastd"
  "$daemon" --command-endpoint "ipc://$work/command" --delivery-endpoint "ipc://$work/delivery" \
    --data-directory "$work/data" --metrics-address 127.0.0.1:0 2>"$work/daemon.log" &
  local pid=$!
  local address=""
  for _ in $(seq 100); do
    address="$(grep -o 'metricsAddress=[0-9.:]*' "$work/daemon.log" | cut -d= -f2 || true)"
    [ -n "$address" ] && break
    sleep 0.1
  done
  [ -n "$address" ] || { kill "$pid"; fail "the daemon did not start: $(cat "$work/daemon.log")"; }
  # Metrics by op appear with the first request.
  "$work/root/usr/local/bin/channelcast" ping --endpoint "ipc://$work/command" >/dev/null \
    || { kill "$pid"; fail "the daemon did not answer ping"; }
  python3 - "$repository/Deploy/grafana/channelcast.json" "$address" <<'EOF' || { kill "$pid"; fail "see above"; }
import json, re, sys, urllib.request
dashboard = json.load(open(sys.argv[1]))
served = urllib.request.urlopen(f"http://{sys.argv[2]}/metrics", timeout=10).read().decode()
names = set(re.findall(r"^(channelcast_[a-z_]+)", served, re.M))
expressions = []
def collect(panels):
    for panel in panels:
        collect(panel.get("panels", []))
        expressions.extend(t["expr"] for t in panel.get("targets", []))
collect(dashboard["panels"])
queried = set(re.findall(r"(channelcast_[a-z_]+)", " ".join(expressions)))
missing = sorted(queried - names)
if missing:
    print("    the dashboard queries metrics the daemon does not serve: " + ", ".join(missing), file=sys.stderr)
if not queried:
    print("    the dashboard queries no metrics", file=sys.stderr)
sys.exit(1 if missing or not queried else 0)
EOF
  kill "$pid"
  wait "$pid" || true
}

test_prometheus_config_scrapes_the_metrics_listener() {
  local config="$repository/Deploy/prometheus.yml"
  grep -q '^  - job_name: channelcast$' "$config" || fail "no job channelcast"
  grep -q 'targets: \["127.0.0.1:9464"\]' "$config" || fail "no target 127.0.0.1:9464"
  grep -q 'metrics_path: /metrics' "$config" || fail "no metrics_path /metrics"
  grep -q 'scrape_interval: 15s' "$config" || fail "no 15s scrape_interval"
}

if [ $# -eq 0 ]; then
  mapfile -t tests < <(declare -F | awk '{print $3}' | grep '^test_')
else
  tests=("$@")
fi

failures=0
skipped=0
for name in "${tests[@]}"; do
  declare -F "$name" >/dev/null || { echo "no test named $name" >&2; exit 64; }
  work="$(mktemp -d)"
  # A subshell of its own, not inside an `if`, where bash would ignore set -e.
  set +e
  (set -e; "$name")
  status=$?
  set -e
  if [ "$status" -eq 0 ]; then
    echo "ok   $name"
  elif [ "$status" -eq 77 ]; then
    echo "skip $name"
    skipped=$((skipped + 1))
  else
    echo "FAIL $name"
    failures=$((failures + 1))
  fi
  rm -rf "$work"
done
echo "${#tests[@]} tests, $failures failed, $skipped skipped"
[ "$failures" -eq 0 ]
