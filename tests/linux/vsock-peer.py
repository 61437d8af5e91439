#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vsock-peer.py: the host end of linux-test.sh's `vsock` case, on kvmini's
Unix-socket side of virtio-vsock (README.md, --vsock CID,PATH).

  vsock-peer.py serve PATH_P SIZE OUT
      listen on the Unix socket PATH_P, where kvmini connects a guest's
      connect to host port P; accept one connection
  vsock-peer.py connect PATH PORT SIZE OUT [WAIT-FILE WAIT-TEXT]
      (once a line of WAIT-FILE, the guest console's log, starts with
      WAIT-TEXT) connect to kvmini's socket PATH, write "CONNECT PORT\\n" and
      expect "OK ...\\n"; no answer means the guest was not listening yet
      (kvmini closes the client when the guest refuses): try again each
      second

Then, at once, send SIZE random bytes (shutting down the sending side
after them) and receive until the guest's end of stream; nothing is
stored. OUT gets "SENT <sha256> <bytes>" and "RECV <sha256> <bytes>", or
"ERROR <why>". Gives up after $VSOCK_PEER_TIMEOUT seconds (default 600).
Exit status 0, or 1 after an error.
"""
import hashlib
import os
import socket
import sys
import threading
import time

CHUNK = 256 * 1024
deadline = time.monotonic() + float(os.environ.get("VSOCK_PEER_TIMEOUT", "600"))


def left():
    return max(1.0, deadline - time.monotonic())


def send_random(s, size, result):
    sha, sent = hashlib.sha256(), 0
    try:
        while sent < size:
            chunk = os.urandom(min(CHUNK, size - sent))
            s.sendall(chunk)
            sha.update(chunk)
            sent += len(chunk)
        s.shutdown(socket.SHUT_WR)
        result.append("SENT %s %d" % (sha.hexdigest(), sent))
    except OSError as e:
        result.append("ERROR sending after %d bytes: %s" % (sent, e))


def exchange(s, size):
    """Send and receive at once; the lines for OUT."""
    sent = []
    sender = threading.Thread(target=send_random, args=(s, size, sent), daemon=True)
    sender.start()
    sha, got = hashlib.sha256(), 0
    try:
        while True:
            s.settimeout(left())
            data = s.recv(CHUNK)
            if not data:
                break
            sha.update(data)
            got += len(data)
    except OSError as e:
        return ["ERROR receiving after %d bytes: %s" % (got, e)]
    sender.join(left())
    if not sent:
        return ["ERROR the sender did not finish in time"]
    return sent + ["RECV %s %d" % (sha.hexdigest(), got)]


def serve(path, size):
    ls = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ls.bind(path)
    ls.listen(1)
    ls.settimeout(left())
    s, _ = ls.accept()
    ls.close()
    return exchange(s, size)


def wait_for_line(path, text):
    while time.monotonic() < deadline:
        try:
            with open(path, errors="replace") as f:
                if any(line.startswith(text) for line in f):
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def connect(path, port, size):
    tries = 0
    while time.monotonic() < deadline:
        tries += 1
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(left())
            s.connect(path)
            s.sendall(b"CONNECT %d\n" % port)
            line = b""
            while not line.endswith(b"\n") and len(line) < 64:
                c = s.recv(1)  # one byte at a time: what follows is the guest's data
                if not c:
                    break
                line += c
            if line.startswith(b"OK "):
                return exchange(s, size)
        except OSError:
            pass  # kvmini not listening yet, or it closed us: the guest refused
        s.close()
        time.sleep(1)
    return ["ERROR no OK answer to CONNECT %d on %s after %d tries" % (port, path, tries)]


def main(argv):
    try:
        if len(argv) == 5 and argv[1] == "serve":
            out = argv[4]
            lines = serve(argv[2], int(argv[3]))
        elif len(argv) in (6, 8) and argv[1] == "connect":
            out = argv[5]
            if len(argv) == 8 and not wait_for_line(argv[6], argv[7]):
                lines = ["ERROR no line starting with %r in %s" % (argv[7], argv[6])]
            else:
                lines = connect(argv[2], int(argv[3]), int(argv[4]))
        else:
            print(__doc__, file=sys.stderr)
            return 1
    except (OSError, ValueError) as e:
        lines = ["ERROR %s" % e]
    with open(out, "w") as f:
        f.write("".join(line + "\n" for line in lines))
    return 1 if lines[0].startswith("ERROR") else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
