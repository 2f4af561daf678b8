#!/usr/bin/env python3
"""Print channelcastd's deliveries and fill seq gaps from getHistory.

    pip install pyzmq
    python3 consumer.py                      # every user's deliveries
    python3 consumer.py alice bob            # only these users' deliveries
    python3 consumer.py --state seqs.json    # remember the last seqs across restarts
"""
import argparse
import json
import os
import signal
import sys

import zmq

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--delivery-endpoint", default="tcp://127.0.0.1:7702")
parser.add_argument("--endpoint", default="tcp://127.0.0.1:7701", help="the command socket")
parser.add_argument("--state", help="a JSON file that keeps the last seen seqs across restarts")
parser.add_argument("users", nargs="*", help="user IDs (default: everyone)")
args = parser.parse_args()

context = zmq.Context()
deliveries = context.socket(zmq.SUB)
deliveries.setsockopt(zmq.LINGER, 0)
# Subscriptions reach the daemon through the SUB socket's send queue, and at connect libzmq
# drops those past its send high-water mark (1,000 by default) without a word: a consumer of
# many users needs it unbounded.
deliveries.setsockopt(zmq.SNDHWM, 0)
# The topic is the user ID and one NUL byte: b"alice\0" matches alice and not alice2.
for user in args.users:
    deliveries.setsockopt(zmq.SUBSCRIBE, user.encode() + b"\0")
if not args.users:
    deliveries.setsockopt(zmq.SUBSCRIBE, b"")
deliveries.connect(args.delivery_endpoint)

# A DEALER for getHistory. Each request starts with the empty delimiter frame. Replies are
# matched by id, so a late reply to a request that timed out is skipped.
commands = context.socket(zmq.DEALER)
commands.setsockopt(zmq.LINGER, 0)
commands.connect(args.endpoint)

# last_seq[user][officialAccountID]: the seq of the last stream entry this user has seen.
last_seq = {}
if args.state and os.path.exists(args.state):
    with open(args.state) as file:
        last_seq = json.load(file)

next_id = 0


def call(op, **fields):
    global next_id
    next_id += 1
    commands.send_multipart([b"", json.dumps({"op": op, "id": next_id, **fields}).encode()])
    while commands.poll(5000):
        _, body = commands.recv_multipart()
        reply = json.loads(body)
        if reply["id"] == next_id:
            if not reply["ok"]:
                raise RuntimeError(f"{reply['error']['code']}: {reply['error']['message']}")
            return reply["result"]
    raise TimeoutError(f"no reply from {args.endpoint} within 5 s")


def show(user, kind, envelope):
    print(json.dumps({"userID": user, kind: envelope}, ensure_ascii=False), flush=True)


def fill_gap(user, channel, seen, arrived):
    """Fetches the entries after `seen` and before `arrived` that the user missed."""
    after = seen
    while after < arrived - 1:
        page = call("getHistory", officialAccountID=channel, userID=user, afterSeq=after)
        if page["oldestSeq"] > after + 1:
            print(f"{user}: seq {after + 1}..{page['oldestSeq'] - 1} of {channel} "
                  "are no longer retained", file=sys.stderr)
        missed = [entry for entry in page["messages"] if entry["seq"] < arrived]
        for entry in missed:
            show(user, "recovered", entry)
        if len(missed) < len(page["messages"]) or not page["messages"]:
            return
        after = missed[-1]["seq"]


def handle(user, envelope):
    kind = envelope["type"]
    seqs = last_seq.setdefault(user, {})
    if kind == "officialAccountSubscribed":
        info = envelope["officialAccountInfo"]
        seqs[info["officialAccountID"]] = info["lastSeq"]  # the user's stream starts after it
    elif kind in ("officialAccountUnsubscribed", "officialAccountDeleted"):
        seqs.pop(envelope["officialAccountID"], None)
    elif "seq" in envelope:  # message, messageRecalled, officialAccountInfoChanged
        info = envelope.get("officialAccountInfo", envelope)
        channel = info["officialAccountID"]
        seen = seqs.get(channel)
        # A subscriber whose msgFlag is discard gets no messages or recalls, so its seqs jump
        # by design; this example assumes the users it follows accept messages.
        if seen is not None and envelope["seq"] > seen + 1:
            try:
                fill_gap(user, channel, seen, envelope["seq"])
            except (RuntimeError, TimeoutError) as error:
                print(f"{user}: could not fetch seq {seen + 1}..{envelope['seq'] - 1} "
                      f"of {channel}: {error}", file=sys.stderr)
        seqs[channel] = max(envelope["seq"], seen or 0)
    show(user, "envelope", envelope)


signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
try:
    while True:
        topic, body = deliveries.recv_multipart()
        handle(topic[:-1].decode(), json.loads(body))
except KeyboardInterrupt:
    pass
finally:
    if args.state:
        with open(args.state, "w") as file:
            json.dump(last_seq, file)
