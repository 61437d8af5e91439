#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""vsock_stand_in.py LISTEN PORT TARGET: kvmini's vsock device as a host
program sees it (README.md, --vsock), for tests/oci/host-vmm.sh, where the
"guest" is this host: a client connects to the Unix socket LISTEN and
writes "CONNECT PORT\\n"; if PORT is ours and the Unix socket TARGET (the
agent's kvmini-exec --signal-unix) accepts, the answer is "OK 1\\n" and the
bytes flow both ways; otherwise the client's connection is closed, as kvmini
closes it when the guest refuses. Prints "ready" once listening; runs until
killed."""
import os
import socket
import sys
import threading


def pump(src, dst):
    try:
        while True:
            data = src.recv(4096)
            if not data:
                break
            dst.sendall(data)
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(client, port, target):
    line = b""
    while not line.endswith(b"\n") and len(line) < 64:
        byte = client.recv(1)
        if not byte:
            break
        line += byte
    try:
        if line != b"CONNECT %d\n" % port:
            raise OSError("not our port")
        guest = socket.socket(socket.AF_UNIX)
        guest.connect(target)
    except OSError:
        client.close()
        return
    client.sendall(b"OK 1\n")
    threading.Thread(target=pump, args=(guest, client), daemon=True).start()
    pump(client, guest)


def main():
    listen, port, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if os.path.exists(listen):
        os.unlink(listen)
    s = socket.socket(socket.AF_UNIX)
    s.bind(listen)
    s.listen(4)
    print("ready", flush=True)
    while True:
        client, _ = s.accept()
        threading.Thread(target=serve, args=(client, port, target), daemon=True).start()


if __name__ == "__main__":
    main()
