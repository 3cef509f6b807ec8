#!/usr/bin/env python3
# Copyright (c) qaio authors. Licensed under the MIT license.
"""Smoke runs of qaio-bench's socket subcommands, with tiny counts: each must run, exit 0
and print its figures. Never a timing check: the figures of such short runs mean nothing.

usage: bench_smoke.py echo|echo-server|idle|fdstorm|udp|spawn|pipe|tls PATH/TO/qaio-bench
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile

NUMBER = r"[0-9]+(\.[0-9]+)?"


def run(bench, *args):
    done = subprocess.run([bench, *args], capture_output=True, text=True, timeout=100)
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)}: exit code {done.returncode}")
    return done.stdout


def expect_figures(output, names):
    for name in names:
        if not re.search(rf"^{name} {NUMBER}$", output, re.MULTILINE):
            sys.exit(f"missing figure line '{name} VALUE'")


def smoke_echo(bench):
    out = run(bench, "echo", "--conns", "2", "--size", "1KiB", "--count", "50", "--repeat", "1")
    expect_figures(out, ["ref_cpu_ns_per_rt", "qaio_cpu_ns_per_rt", "qt_cpu_ns_per_rt", "echo_cpu_ratio",
                         "qt_cpu_ratio", "ref_rt_per_s", "qaio_rt_per_s", "qt_rt_per_s"])
    # A message larger than the socket buffers takes partial writes on every server.
    out = run(bench, "echo", "--conns", "1", "--size", "3MiB", "--count", "2", "--repeat", "1", "--only", "qaio,ref")
    expect_figures(out, ["ref_cpu_ns_per_rt", "qaio_cpu_ns_per_rt", "echo_cpu_ratio"])


def echo_round_trip(family, address, payload):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(30)
        s.connect(address)
        s.sendall(payload)
        received = b""
        while len(received) < len(payload):
            chunk = s.recv(65536)
            if not chunk:
                break
            received += chunk
    if received != payload:
        sys.exit(f"echo over {address}: got {len(received)} bytes back, not the {len(payload)} sent")


def serve_and_stop(bench, args, connect):
    server = subprocess.Popen([bench, "echo-server", *args], stdout=subprocess.PIPE, text=True)
    try:
        banner = server.stdout.readline()
        print(banner, end="")
        connect(banner)
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    if code != 0:
        sys.exit(f"echo-server {' '.join(args)}: exit code {code} after SIGTERM")


def smoke_echo_server(bench):
    payload = bytes(range(256)) * 4096  # 1 MiB: several reads and partial writes
    for impl in ("qaio", "ref", "qt"):
        def tcp(banner):
            match = re.search(r"127\.0\.0\.1:([0-9]+)", banner)
            if not match:
                sys.exit(f"echo-server --impl {impl}: no address in '{banner.strip()}'")
            echo_round_trip(socket.AF_INET, ("127.0.0.1", int(match.group(1))), payload)
        serve_and_stop(bench, ["0", "--impl", impl], tcp)
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "echo.sock")
        serve_and_stop(bench, ["--unix", path], lambda banner: echo_round_trip(socket.AF_UNIX, path, payload))
        if os.path.exists(path):
            sys.exit("echo-server --unix left its socket file behind")


def smoke_idle(bench):
    out = run(bench, "idle", "--conns", "600", "--active", "4", "--count", "50", "--repeat", "1")
    expect_figures(out, ["idle_connections", "idle_malloc_bytes_per_conn", "idle_rss_bytes_per_conn",
                         "idle_active_cpu_ns_per_rt", "idle_alone_cpu_ns_per_rt", "idle_crowd_ratio"])
    if not re.search(r"^idle_connections 600$", out, re.MULTILINE):
        sys.exit("the server did not hold the 600 connections")


def smoke_fdstorm(bench):
    out = run(bench, "fdstorm", "--fds", "200", "--rounds", "2", "--repeat", "1")
    names = ["fdstorm_qt_ns_per_event"]
    if sys.platform.startswith("linux"):
        names += ["fdstorm_epoll_ns_per_event", "fdstorm_qt_vs_epoll_ratio"]
    expect_figures(out, names)


def udp_round_trip(port, payload):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(30)
        s.connect(("127.0.0.1", port))
        s.send(payload)
        if s.recv(65536) != payload:
            sys.exit(f"UDP echo on port {port}: a different datagram came back")


def smoke_udp(bench):
    out = run(bench, "udp", "--count", "200", "--repeat", "1")
    expect_figures(out, ["udp_ref_cpu_ns_per_dgram", "udp_qaio_cpu_ns_per_dgram", "udp_qt_cpu_ns_per_dgram",
                         "udp_cpu_ratio", "qudpsocket_cpu_ratio", "udp_qaio_dgram_per_s"])
    for impl in ("qaio", "ref", "qt"):
        def udp(banner):
            match = re.search(r"127\.0\.0\.1:([0-9]+)", banner)
            if not match:
                sys.exit(f"echo-server --udp --impl {impl}: no address in '{banner.strip()}'")
            udp_round_trip(int(match.group(1)), b"datagram " * 100)
        serve_and_stop(bench, ["0", "--udp", "--impl", impl], udp)


def smoke_spawn(bench):
    out = run(bench, "spawn", "--count", "20", "--repeat", "1")
    expect_figures(out, ["raw_spawn_us", "spawn_us", "qprocess_spawn_us", "spawn_ratio", "qprocess_spawn_ratio",
                         "raw_spawn_concurrent_us", "spawn_concurrent_us", "qprocess_spawn_concurrent_us",
                         "spawn_concurrent_ratio"])


def smoke_pipe(bench):
    out = run(bench, "pipe", "--bytes", "8MiB", "--repeat", "1")
    expect_figures(out, ["raw_pipe_gbps", "pipe_gbps", "pipe_ratio"])


def smoke_tls(bench):
    out = run(bench, "tls-echo", "--conns", "2", "--size", "1KiB", "--count", "50", "--repeat", "1")
    expect_figures(out, ["tls_ref_cpu_ns_per_rt", "tls_qaio_cpu_ns_per_rt", "tls_qt_cpu_ns_per_rt", "tls_cpu_ratio",
                         "qsslsocket_cpu_ratio", "tls_qaio_rt_per_s"])
    # Records larger than the socket buffers: partial writes on every server.
    out = run(bench, "tls-echo", "--conns", "1", "--size", "3MiB", "--count", "2", "--repeat", "1")
    expect_figures(out, ["tls_ref_cpu_ns_per_rt", "tls_qaio_cpu_ns_per_rt", "tls_cpu_ratio"])
    out = run(bench, "tls-handshake", "--count", "5", "--repeat", "1", "--only", "ref,qaio")
    expect_figures(out, ["tls_ref_cpu_us_per_handshake", "tls_qaio_cpu_us_per_handshake", "tls_handshake_ratio",
                         "tls_qaio_cpu_us_per_resumption", "tls_resumed_ratio", "tls_qaio_handshakes_per_s"])


def smoke_inspect_load(bench):
    out = run(bench, "inspect-load", "--tasks", "100", "--seconds", "1", "--repeat", "1")
    expect_figures(out, ["inspect_load_plain_steps_per_s", "inspect_load_remote_steps_per_s", "inspect_load_ratio",
                         "inspect_load_frames_per_s", "inspect_snapshot_ms", "inspect_snapshot_json_ms"])


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    what, bench = sys.argv[1], sys.argv[2]
    {"echo": smoke_echo, "echo-server": smoke_echo_server, "idle": smoke_idle,
     "fdstorm": smoke_fdstorm, "udp": smoke_udp, "spawn": smoke_spawn, "pipe": smoke_pipe,
     "tls": smoke_tls, "inspect-load": smoke_inspect_load}[what](bench)
    print(f"{what}: ok")


if __name__ == "__main__":
    main()
