#!/usr/bin/env bash
# `make cluster-demo`: three NATS servers (one JetStream cluster) and three channelcastd nodes on
# loopback, in a temporary folder, until Ctrl-C, which stops them all and removes the folder.
#
# Node N (1, 2, 3) listens on tcp://127.0.0.1:7N01 (commands), 7N02 (deliveries), 7N03
# (gateways), metrics on 127.0.0.1:7N09; its NATS server on 127.0.0.1:1422N. Usage:
#   Deploy/cluster/demo.sh [path of the folder holding channelcastd, default .build/release]
set -euo pipefail
binaries=${1:-.build/release}
daemon="$binaries/channelcastd"
[ -x "$daemon" ] || { echo "no $daemon: run swift build -c release first" >&2; exit 1; }
command -v nats-server >/dev/null || { echo "no nats-server: apt-get install nats-server" >&2; exit 1; }

folder=$(mktemp -d -t channelcast-cluster-demo.XXXXXX)
pids=()
stop() {
  trap - INT TERM EXIT
  echo "stopping the daemons, then the NATS servers"
  for pid in "${pids[@]:3}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]:3}"; do wait "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]:0:3}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$folder"
}
trap stop INT TERM EXIT

for n in 1 2 3; do
  cat > "$folder/nats-$n.conf" <<CONF
server_name: n$n
listen: 127.0.0.1:1422$n
max_payload: 8MB
jetstream { store_dir: "$folder/nats-$n", max_memory_store: 256MB, max_file_store: 2GB }
cluster {
  name: channelcast-demo
  listen: 127.0.0.1:1622$n
  routes: [nats-route://127.0.0.1:16221, nats-route://127.0.0.1:16222, nats-route://127.0.0.1:16223]
}
CONF
  nats-server -c "$folder/nats-$n.conf" > "$folder/nats-$n.log" 2>&1 &
  pids+=($!)
done
urls="nats://127.0.0.1:14221,nats://127.0.0.1:14222,nats://127.0.0.1:14223"
for n in 1 2 3; do
  "$daemon" --cluster-nats-urls "$urls" --cluster-node-name "node$n" \
    --command-endpoint "tcp://127.0.0.1:7${n}01" --delivery-endpoint "tcp://127.0.0.1:7${n}02" \
    --gateway-endpoint "tcp://127.0.0.1:7${n}03" --metrics-address "127.0.0.1:7${n}09" \
    --data-directory "$folder/node$n" > "$folder/node$n.log" 2>&1 &
  pids+=($!)
done
commands="tcp://127.0.0.1:7101,tcp://127.0.0.1:7201,tcp://127.0.0.1:7301"
deliveries="tcp://127.0.0.1:7102,tcp://127.0.0.1:7202,tcp://127.0.0.1:7302"
cat <<TEXT
A 3-node ChannelCast cluster runs in $folder (logs: node1.log ... nats-1.log ...).
Try, from another terminal (each command may go to any node):
  channelcast --endpoint $commands ping
  channelcast tail --delivery-endpoint $deliveries
  channelcast --endpoint $commands create --id @TOA#_demo --owner alice --name Demo
  channelcast --endpoint $commands subscribe @TOA#_demo bob
  channelcast --endpoint $commands send @TOA#_demo '{"text":"hello"}'
Kill a node (kill -9 on its pid, see ps) and watch the others take its partitions over.
Ctrl-C stops everything.
TEXT
wait
