#!/usr/bin/env python3
"""One TCP connection in strict ping-pong with an echo server: N round trips of SIZE bytes.

Used to count the echo server's instructions per round trip under callgrind (see
docs/benchmarks.md): with one message in flight, each round trip is one readiness event
for the server, so the count does not depend on timing.

Usage: echo_pingpong.py PORT N [SIZE]   (SIZE defaults to 1024)
"""
import socket
import sys
import time


def main():
    port, count = int(sys.argv[1]), int(sys.argv[2])
    size = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
    for _ in range(300):  # the server may still be starting (slowly, under valgrind)
        try:
            conn = socket.create_connection(("127.0.0.1", port))
            break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit(f"echo_pingpong: nothing listens on port {port}")
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    message = b"x" * size
    for _ in range(count):
        conn.sendall(message)
        received = 0
        while received < size:
            data = conn.recv(65536)
            if not data:
                sys.exit("echo_pingpong: the server closed the connection")
            received += len(data)
    conn.close()


if __name__ == "__main__":
    main()
