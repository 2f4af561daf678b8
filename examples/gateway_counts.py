#!/usr/bin/env python3
"""Act as a gateway on channelcastd's gateway socket and count the recipients of each broadcast.

    pip install pyzmq
    python3 gateway_counts.py gw-1 alice bob carol          # the gatewayID, then online users
    python3 gateway_counts.py --users-file online.txt gw-1  # more users, one userID a line
    python3 gateway_counts.py --server-key server.pub --key-file gateway.key gw-1 alice

Says hello as the gatewayID, attaches the users (10,000 per request), then prints one JSON line
per batch: what it belongs to (the channel and seq, or the channel and type for an event without
a seq), its size, and the recipients received for it so far. A broadcast comes as one batch or
more (at most batchMaxUsers users each, notified users apart from the others), so the last line
of a broadcast has its total. A gap notice (this gateway was cut off under slowConsumerPolicy =
"drop") is printed with its users: a real gateway would have them fetch the channel's entries
from fromSeq with getHistory. When libzmq reconnects (the daemon restarted, or dropped the
connection), the daemon has forgotten this gateway: the script says hello and attaches again.
"""
import argparse
import json
import re
import sys
import time

import zmq
from zmq.utils.monitor import recv_monitor_message

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--gateway-endpoint", default="tcp://127.0.0.1:7703")
parser.add_argument("--users-file", help="more users to attach, one userID a line")
parser.add_argument("--server-key", help="with CURVE: the daemon's public key (Z85, or .pub file)")
parser.add_argument("--key-file", help="with CURVE: a gateway's or admin's key file")
parser.add_argument("gateway_id", help="this gateway's gatewayID (1 to 64 bytes)")
parser.add_argument("users", nargs="*", help="the users online on this gateway")
args = parser.parse_args()

users = list(args.users)
if args.users_file:
    with open(args.users_file, encoding="utf-8") as file:
        users += [line.rstrip("\r\n") for line in file if line.rstrip("\r\n")]

context = zmq.Context()
gateway = context.socket(zmq.DEALER)
gateway.setsockopt(zmq.LINGER, 0)
# Unbounded: batches that arrive while the script is busy wait in its own memory, rather than
# fill the daemon's queue for this gateway, which the daemon treats as a slow gateway (under
# "drop", it cuts it off).
gateway.setsockopt(zmq.RCVHWM, 0)
if args.server_key:
    server_key = args.server_key
    if server_key.endswith(".pub"):
        server_key = open(server_key).read().strip()
    keys = dict(re.findall(r'(publicKey|secretKey)\s*=\s*"([^"]+)"', open(args.key_file).read()))
    gateway.curve_serverkey = server_key.encode()
    gateway.curve_publickey = keys["publicKey"].encode()
    gateway.curve_secretkey = keys["secretKey"].encode()
# Each handshake after the first is a new connection, on which the daemon knows no session.
handshakes = gateway.get_monitor_socket(
    zmq.EVENT_HANDSHAKE_SUCCEEDED | zmq.EVENT_HANDSHAKE_FAILED_AUTH)
gateway.connect(args.gateway_endpoint)

handshakes_seen = 0
must_say_hello = True
next_id = 0
# (officialAccountID, seq or type) -> recipients received so far, for as long as the script runs.
received = {}


def read_handshakes():
    global handshakes_seen, must_say_hello
    while handshakes.poll(0):
        if recv_monitor_message(handshakes)["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
            sys.exit("the daemon refused this key: is it a gateway or admin key in clientsFile?")
        handshakes_seen += 1
        if handshakes_seen > 1:
            must_say_hello = True


def count(envelope, recipients):
    """Prints a batch: a gap notice with its users, anything else with its running count."""
    if envelope["type"] == "gap":
        print(json.dumps({**envelope, "users": recipients}, ensure_ascii=False), flush=True)
        return
    channel = envelope.get("officialAccountInfo", envelope)["officialAccountID"]
    key = (channel, envelope.get("seq", envelope["type"]))
    received[key] = received.get(key, 0) + len(recipients)
    line = {"type": envelope["type"], "officialAccountID": channel}
    for field in ("seq", "notify"):
        if field in envelope:
            line[field] = envelope[field]
    print(json.dumps({**line, "batch": len(recipients), "recipients": received[key]},
                     ensure_ascii=False), flush=True)


def receive(timeout_ms):
    """Waits up to timeout_ms for one message: counts a batch, returns a reply."""
    read_handshakes()
    if not gateway.poll(timeout_ms):
        return None
    frames = gateway.recv_multipart()
    # Both start with the empty delimiter. A reply has one JSON frame after it; a batch has the
    # envelope and its recipients, each userID followed by one NUL byte.
    if len(frames) == 3:
        count(json.loads(frames[1]), [user.decode() for user in frames[2].split(b"\0")[:-1]])
        return None
    return json.loads(frames[1])


def call(op, **fields):
    """Sends one request and returns its result, counting the batches that arrive meanwhile."""
    global next_id
    next_id += 1
    gateway.send_multipart([b"", json.dumps({"op": op, "id": next_id, **fields}).encode()])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        reply = receive(100)
        if reply is None or reply["id"] != next_id:  # a batch, or a late reply
            continue
        if not reply["ok"]:
            sys.exit(f"{op}: {reply['error']['code']}: {reply['error']['message']}")
        return reply["result"]
    sys.exit(f"no reply from {args.gateway_endpoint} within 5 s: is channelcastd running?")


def say_hello_and_attach():
    global must_say_hello
    must_say_hello = False
    hello = call("hello", gatewayID=args.gateway_id, protocolVersion=1)
    attached = 0
    for start in range(0, len(users), 10_000):
        attached += call("attach", userIDList=users[start:start + 10_000])["attached"]
    print(json.dumps({"gatewayID": args.gateway_id, "batchMaxUsers": hello["batchMaxUsers"],
                      "attached": attached}, ensure_ascii=False), flush=True)


try:
    while True:
        if must_say_hello:
            say_hello_and_attach()
        receive(100)
except KeyboardInterrupt:
    pass
