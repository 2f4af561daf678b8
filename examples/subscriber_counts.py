#!/usr/bin/env python3
"""Mirror each channel's subscriber count from channelcastd's event feed.

    pip install pyzmq
    channelcastd --events-endpoint tcp://127.0.0.1:7704          # the feed is off by default
    python3 subscriber_counts.py --events-endpoint tcp://127.0.0.1:7704
    python3 subscriber_counts.py --events-endpoint ... --server-key server.pub --key-file ops.key

Prints one JSON line per change: {"logSeq", "officialAccountID", "subscriberCount"}. The counts
start from the command socket (listOfficialAccounts) and follow the feed's subscribed,
unsubscribed, officialAccountCreated and officialAccountDeleted events. A jump in logSeq means
events were missed (the subscriber fell behind, or was not connected): the counts are read again
from the command socket. A logSeq that goes back means the daemon's data went back (a restored
backup, a repaired journal): the counts are read again too.
"""
import argparse
import json
import re
import sys

import zmq

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--events-endpoint", required=True, help="the daemon's eventsEndpoint")
parser.add_argument("--endpoint", default="tcp://127.0.0.1:7701", help="the command socket")
parser.add_argument("--server-key", help="with CURVE: the daemon's public key (Z85, or a .pub file)")
parser.add_argument("--key-file", help="with CURVE: an admin's key file (channelcast keygen)")
args = parser.parse_args()

# The types that change a count. The script subscribes to every type nonetheless: logSeq numbers
# the events of all types, so only a subscriber that receives them all can tell a gap.
TYPES = {"subscribed", "unsubscribed", "officialAccountCreated", "officialAccountDeleted"}


def curve(socket):
    """Makes `socket` a CURVE client when --server-key and --key-file are given."""
    if not args.server_key:
        return
    server_key = args.server_key
    if server_key.endswith(".pub"):
        server_key = open(server_key).read().strip()
    keys = dict(re.findall(r'(publicKey|secretKey)\s*=\s*"([^"]+)"', open(args.key_file).read()))
    socket.curve_serverkey = server_key.encode()
    socket.curve_publickey = keys["publicKey"].encode()
    socket.curve_secretkey = keys["secretKey"].encode()


context = zmq.Context()
feed = context.socket(zmq.SUB)
feed.setsockopt(zmq.LINGER, 0)
curve(feed)
feed.setsockopt(zmq.SUBSCRIBE, b"")
feed.connect(args.events_endpoint)

commands = context.socket(zmq.REQ)
commands.setsockopt(zmq.LINGER, 0)
commands.setsockopt(zmq.RCVTIMEO, 5000)
curve(commands)
commands.connect(args.endpoint)


def call(op, **fields):
    """One request and its result; exits with the error of a failed one."""
    commands.send_json({"op": op, **fields})
    try:
        reply = commands.recv_json()
    except zmq.Again:
        sys.exit(f"no reply from {args.endpoint} within 5 s: is channelcastd running?")
    if not reply["ok"]:
        sys.exit(f"{reply['error']['code']}: {reply['error']['message']}")
    return reply["result"]


def read_counts():
    """Every channel's subscriberCount, from the command socket, page by page."""
    counts, cursor = {}, None
    while True:
        page = call("listOfficialAccounts", limit=1000, **({"cursor": cursor} if cursor else {}))
        for info in page["officialAccounts"]:
            counts[info["officialAccountID"]] = info["subscriberCount"]
        cursor = page["nextCursor"]
        if cursor is None:
            return counts


def show(log_seq, account, counts):
    print(json.dumps({"logSeq": log_seq, "officialAccountID": account,
                      "subscriberCount": counts.get(account)}), flush=True)


# Read the counts once the feed is connected, so that no change falls between the two. A change
# made while they are read may show in both the counts and the feed, or in neither: the next
# resynchronisation corrects it (see docs/protocol.md, Event feed).
counts = read_counts()
last_log_seq = None
print(json.dumps({"channels": len(counts), "subscriptions": sum(counts.values())}), flush=True)
try:
    while True:
        topic, body = feed.recv_multipart()
        event = json.loads(body)
        log_seq = event["logSeq"]
        if last_log_seq is not None and log_seq != last_log_seq + 1:
            reason = "missed" if log_seq > last_log_seq else "went back"
            print(json.dumps({"resync": reason, "after": last_log_seq, "at": log_seq}),
                  file=sys.stderr, flush=True)
            counts = read_counts()
            last_log_seq = log_seq
            continue
        last_log_seq = log_seq
        if event["type"] not in TYPES:
            continue
        account = event["officialAccountID"]
        if event["type"] == "officialAccountCreated":
            counts[account] = 0
        elif event["type"] == "officialAccountDeleted":
            counts.pop(account, None)
        elif event["type"] == "subscribed":
            counts[account] = counts.get(account, 0) + 1
        elif event["type"] == "unsubscribed":
            counts[account] = counts.get(account, 0) - 1
        show(log_seq, account, counts)
except KeyboardInterrupt:
    pass
