#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""dns_responder.py ADDR...: a tiny DNS server (RFC 1035) on UDP port 53 of
each ADDR that answers every query with one A record, 192.0.2.1 (TTL 60),
for tests/hardening/seccomp-dns.sh and tests/linux/net-test.sh. Prints
"ready" once bound and "query from HOST:PORT" for each query; runs until
killed."""
import select
import socket
import struct
import sys


def answer(query):
    if len(query) < 12:
        return None
    qid, _flags, qdcount = struct.unpack("!HHH", query[:6])
    if qdcount != 1:
        return None
    end = 12
    while end < len(query) and query[end] != 0:
        end += 1 + query[end]
    question = query[12:end + 5]  # the name, its 0, type and class
    header = struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0)
    record = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + bytes([192, 0, 2, 1])
    return header + question + record


def main():
    socks = []
    for addr in sys.argv[1:]:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((addr, 53))
        socks.append(s)
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select(socks, [], [])
        for s in readable:
            query, peer = s.recvfrom(512)
            print("query from %s:%d" % peer, flush=True)
            reply = answer(query)
            if reply:
                s.sendto(reply, peer)


if __name__ == "__main__":
    main()
