#!/usr/bin/env python3
"""Create a channel if it is missing, subscribe a few users, broadcast one message.

    pip install pyzmq
    python3 publisher.py                                  # @TOA#_demo, alice bob carol
    python3 publisher.py --channel '@TOA#_news' --text 'Hello' dave erin
"""
import argparse
import json
import sys
import uuid

import zmq

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--endpoint", default="tcp://127.0.0.1:7701", help="the command socket")
parser.add_argument("--channel", default="@TOA#_demo", help="the officialAccountID")
parser.add_argument("--owner", default="editor", help="ownerUserID when the channel is created")
parser.add_argument("--text", default="Hello from publisher.py", help="the message's text")
parser.add_argument("users", nargs="*", default=["alice", "bob", "carol"], help="subscribers")
args = parser.parse_args()

context = zmq.Context()
# A REQ socket: one request, then its reply, then the next request. REQ adds and strips the
# empty delimiter frame itself. (To pipeline requests, use a DEALER and send b"" first.)
socket = context.socket(zmq.REQ)
socket.setsockopt(zmq.LINGER, 0)
socket.setsockopt(zmq.RCVTIMEO, 5000)
socket.connect(args.endpoint)
next_id = 0


def call(op, **fields):
    """Sends one request and returns its reply: {"id", "ok", "result" or "error"}."""
    global next_id
    next_id += 1
    socket.send_json({"op": op, "id": next_id, **fields})
    try:
        return socket.recv_json()
    except zmq.Again:
        sys.exit(f"no reply from {args.endpoint} within 5 s: is channelcastd running?")


def result(reply):
    """The result of a successful reply; exits with the error of a failed one."""
    if not reply["ok"]:
        sys.exit(f"{reply['error']['code']}: {reply['error']['message']}")
    return reply["result"]


reply = call("createOfficialAccount", officialAccountID=args.channel,
             ownerUserID=args.owner, officialAccountName="Demo channel")
if reply["ok"]:
    print("created", args.channel)
elif reply["error"]["code"] == "already_exists":
    print("exists ", args.channel)
else:
    result(reply)

# The batch form: one result per user, in request order. A repeat subscribe is "ok" too.
subscribed = result(call("subscribeOfficialAccount", officialAccountID=args.channel,
                         userIDList=args.users))
for entry in subscribed["results"]:
    print("subscribe", entry["userID"], entry["resultCode"], entry["resultInfo"])

# A clientMsgID makes a retry after a timeout safe: the daemon answers it with the first
# reply and does not broadcast twice.
sent = result(call("sendMessage", officialAccountID=args.channel,
                   clientMsgID=str(uuid.uuid4()), payload={"text": args.text}))
print("sent", json.dumps(sent))
