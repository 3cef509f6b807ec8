// Copyright (c) qaio authors. Licensed under the MIT license.
// qaio-bench: micro benchmarks of qaio's event loop with Qt-native reference figures, and
// the echo benchmarks of its socket transport against a bare epoll server and QTcpSocket.
#include "benchprocess.h"
#include "echo.h"
#include "echoserver.h"
#include "fdstorm.h"
#include "idle.h"
#include "inspectload.h"
#include "micro.h"
#include "pipe.h"
#include "spawn.h"
#include "tlsecho.h"
#include "udp.h"

#include <QtCore/QCoreApplication>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace {

void printHelp(std::FILE *out)
{
    std::fprintf(out,
                 "Usage: qaio-bench micro [--repeat N] [--quick] [--only NAME[,NAME...]] [--cpu-time] [--asyncio]\n"
                 "       qaio-bench sync  [the options of micro]\n"
                 "       qaio-bench echo [--conns C] [--size S] [--count N] [--repeat R] [--only LIST]\n"
                 "       qaio-bench echo-server PORT [--unix PATH | --udp | --tls CERT KEY] [--impl qaio|ref|qt]\n"
                 "       qaio-bench tls-echo | tls-handshake [--conns C] [--size S] [--count N] [--repeat R] [--only LIST]\n"
                 "       qaio-bench idle [--conns C] [--active A] [--size S] [--count N] [--repeat R]\n"
                 "       qaio-bench fdstorm [--fds N] [--rounds R] [--repeat R]\n"
                 "       qaio-bench udp [--count N] [--size S] [--window W] [--repeat R] [--only LIST]\n"
                 "       qaio-bench spawn [--count N] [--repeat R] [--only raw|qaio|qprocess]\n"
                 "       qaio-bench pipe [--bytes S] [--repeat R]\n"
                 "       qaio-bench --help\n"
                 "\n"
                 "micro   Measures the loop's hot paths and prints one line per figure,\n"
                 "        \"NAME VALUE\", VALUE in nanoseconds per operation, the best (minimum)\n"
                 "        of N repetitions. Qt-native reference figures (qt_*) are measured in\n"
                 "        the same run; *_ratio lines divide a qaio figure by its Qt reference.\n"
                 "\n"
                 "Options:\n"
                 "  --repeat N   repetitions per figure (default 5)\n"
                 "  --quick      1/100 of the operations and one repetition: checks that the\n"
                 "               benchmark runs, the figures mean nothing\n"
                 "  --only LIST  measure only these figures (comma separated)\n"
                 "  --cpu-time   time with the measuring thread's CPU clock instead of the wall\n"
                 "               clock (all figures but threadsafe_ns, which spans two threads):\n"
                 "               steadier on a loaded machine (passed on to --asyncio)\n"
                 "  --asyncio    then run tests/bench/asyncio_micro.py with python3: CPython\n"
                 "               asyncio's figures for the same operations (asyncio_*) and\n"
                 "               the *_vs_asyncio_ratio lines; exit code 1 if that fails\n"
                 "  --help       this text\n"
                 "\n"
                 "Figures:\n"
                 "  call_soon_ns          chain of 1,000,000 callSoon callbacks, each scheduling the next\n"
                 "  timer_cancel_ns       250,000 callLater (1 s + i%%1000 ms) cancelled, then runOnce; per timer\n"
                 "  sleep0_ns             one task doing 250,000 co_await qaio::sleep(0)\n"
                 "  spawn_ns              250,000 trivial tasks created and awaited in groups of 100\n"
                 "  threadsafe_ns         1,000,000 callSoonThreadsafe from a second thread, until all ran\n"
                 "  qt_invoke_queued_ns   chain of 1,000,000 queued QMetaObject::invokeMethod\n"
                 "  qt_timer_cancel_ns    250,000 QTimer::start (same delays) then stop; per timer\n"
                 "                        (at most 2 repetitions: Qt's timer list makes it quadratic)\n"
                 "  call_soon_vs_qt_ratio     call_soon_ns / qt_invoke_queued_ns\n"
                 "  timer_cancel_vs_qt_ratio  timer_cancel_ns / qt_timer_cancel_ns\n"
                 "\n"
                 "sync    The synchronization primitives and queues, as micro (same options;\n"
                 "        --asyncio runs tests/bench/asyncio_sync.py):\n"
                 "  lock_ns               one task: 1,000,000 uncontended Lock acquire + release\n"
                 "  event_handoff_ns      two tasks passing the turn with two Events; per hand-off\n"
                 "                        (250,000 round trips, 500,000 hand-offs)\n"
                 "  queue_pingpong_ns     two tasks passing an item with two Queues; per hand-off (idem)\n"
                 "  queue_stream_ns       1,000,000 items, one producer to one consumer through\n"
                 "                        a Queue(maxsize=100); per item\n"
                 "  sleep0_ns             as in micro: the reference of the hand-off goals\n"
                 "  event_handoff_vs_sleep0_ratio, queue_pingpong_vs_sleep0_ratio\n"
                 "\n"
                 "echo    (Linux) Three TCP echo servers, each in a child process pinned to CPU 0:\n"
                 "        a bare level-triggered epoll loop (ref, the reference), qaio's Protocol\n"
                 "        (qaio) and QTcpServer/QTcpSocket (qt). One epoll client pinned to CPU 1\n"
                 "        keeps one message of S bytes in flight on each of C connections, N round\n"
                 "        trips per connection. Prints each server's CPU time per round trip\n"
                 "        (NAME_cpu_ns_per_rt, best of R runs), echo_cpu_ratio (qaio / ref),\n"
                 "        qt_cpu_ratio (qt / ref) and round trips per second (NAME_rt_per_s).\n"
                 "  --conns C    connections (default 10)\n"
                 "  --size S     message size: 1024, 1KiB, 100KiB, 1MiB (default 1KiB)\n"
                 "  --count N    round trips per connection (default 10000)\n"
                 "  --repeat R   runs per server, interleaved; the best counts (default 3)\n"
                 "  --only LIST  run only these servers (comma separated: ref,qaio,qt), e.g.\n"
                 "               under perf record (the servers' command name is \"exe\")\n"
                 "\n"
                 "echo-server  (Linux) Serves a TCP echo on 127.0.0.1:PORT (0: any free port,\n"
                 "        printed) with TCP_NODELAY, or on the Unix socket PATH with --unix,\n"
                 "        until SIGINT/SIGTERM (exit code 0). --impl picks the server (default\n"
                 "        qaio; --unix works with qaio and ref). SIGUSR1 prints its CPU time.\n"
                 "        --udp serves a UDP echo instead (each datagram back to its sender).\n"
                 "\n"
                 "idle    (Linux) One qaio echo server (child process, CPU 0) holding C idle\n"
                 "        connections (default 10000; the descriptor limit is raised up to the\n"
                 "        hard limit): heap bytes per connection (mallinfo2 in-use delta) and\n"
                 "        RSS bytes per connection, then its CPU time per round trip on A\n"
                 "        (default 10) of them against A connections alone, and the ratio.\n"
                 "  --active A, --size S (default 1KiB), --count N (default 5000), --repeat R (default 3)\n"
                 "        The qaio servers use the reactor QAIO_REACTOR names (qt, epoll; default:\n"
                 "        the platform's fastest), echo and idle print which in their note line.\n"
                 "\n"
                 "fdstorm (Linux) N watched descriptors (both ends of N/2 socket pairs), each made\n"
                 "        readable and drained once per round, in one process, for each reactor:\n"
                 "        fdstorm_qt_ns_per_event, fdstorm_epoll_ns_per_event (wall time of the\n"
                 "        loop's dispatch per event, read() included; best of R) and their ratio.\n"
                 "  --fds N (default 10000), --rounds R (default 20), --repeat R (default 3)\n"
                 "\n"
                 "udp     (Linux) Three UDP echo servers, each in a child process pinned to CPU 0:\n"
                 "        a bare epoll recvfrom/sendto loop (ref), qaio's DatagramProtocol (qaio)\n"
                 "        and QUdpSocket (qt). A client on CPU 1 keeps W datagrams of S bytes in\n"
                 "        flight until N have come back. Prints each server's CPU time per datagram\n"
                 "        (udp_NAME_cpu_ns_per_dgram, best of R), udp_cpu_ratio (qaio / ref),\n"
                 "        qudpsocket_cpu_ratio (qt / ref) and datagrams per second.\n"
                 "  --count N (default 1000000), --size S (default 64), --window W (default 16),\n"
                 "  --repeat R (default 3), --only LIST (ref,qaio,qt)\n"
                 "\n"
                 "spawn   (Linux) /bin/true started and awaited to its exit, N times one after the\n"
                 "        other, then N at once: qaio's subprocessExec() (three pipes, as its\n"
                 "        default), a bare posix_spawn() + waitpid() loop (the floor) and QProcess\n"
                 "        on the same event loop. Prints wall-clock µs per child, best of R:\n"
                 "        spawn_us, raw_spawn_us, qprocess_spawn_us, their *_ratio to the floor,\n"
                 "        and the *_concurrent_us figures.\n"
                 "  --count N (default 1000), --repeat R (default 3), --only raw|qaio|qprocess\n"
                 "  (that one alone, to profile it; the others print inf)\n"
                 "\n"
                 "tls-echo (Linux) echo's measure over TLS 1.3: the reference (epoll + OpenSSL on\n"
                 "        memory BIOs), qaio (createServer with ssl) and QSslServer, each a child\n"
                 "        pinned to CPU 0, an OpenSSL client on CPU 1 (handshakes before the clock):\n"
                 "        tls_NAME_cpu_ns_per_rt (best of R), tls_cpu_ratio (qaio / ref),\n"
                 "        qsslsocket_cpu_ratio (qaio / qt), round trips per second.\n"
                 "  --conns C (default 10), --size S (default 1KiB), --count N (default 10000)\n"
                 "tls-handshake (Linux) N connections one after the other against each server, a\n"
                 "        full TLS 1.3 handshake and a one-byte round trip each, then N resuming a\n"
                 "        session (tickets): server CPU µs per connection, tls_handshake_ratio and\n"
                 "        tls_resumed_ratio (ref / qaio: >= 1 means qaio is as fast), handshakes/s.\n"
                 "  --count N (default 10000: use ~1000), --repeat R, --only LIST (ref,qaio,qt)\n"
                 "        echo-server --tls CERT KEY serves the same TLS echo by hand.\n"
                 "\n"
                 "inspect-load The loop's throughput (sleep(0) steps per second of one busy task)\n"
                 "        with T idle tasks alive, without an inspector and while a remote client\n"
                 "        streams R snapshots a second: inspect_load_*_steps_per_s, their ratio\n"
                 "        (remote / plain), and one snapshot's cost (inspect_snapshot_ms, _json_ms).\n"
                 "  --tasks T (default 10000), --seconds S (default 3), --rate R (default 10),\n"
                 "  --repeat N (default 3)\n"
                 "\n"
                 "pipe    (Linux) S bytes through cat (stdin in, stdout out) with qaio's subprocess\n"
                 "        pipes and flow control, and with a plain poll() + read()/write() loop\n"
                 "        over the same two pipes: pipe_gbps, raw_pipe_gbps (Gbit/s, best of R)\n"
                 "        and pipe_ratio (qaio / plain).\n"
                 "  --bytes S (default 1GiB), --repeat R (default 3)\n");
}

int usageError(const char *message)
{
    std::fprintf(stderr, "qaio-bench: %s\n\n", message);
    printHelp(stderr);
    return 2;
}

bool parseCount(const char *text, std::uint64_t min, std::uint64_t max, std::uint64_t &out)
{
    if (!text)
        return false;
    char *end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(text, &end, 10);
    if (errno || !end || *end || end == text || text[0] == '-' || n < min || n > max)
        return false;
    out = n;
    return true;
}

int mainInspectLoad(int argc, char **argv)
{
    qaiobench::InspectLoadOptions options;
    for (int i = 2; i < argc; i += 2) { // every option takes a value
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : nullptr;
        std::uint64_t n = 0;
        if (!std::strcmp(arg, "--tasks")) {
            if (!parseCount(value, 0, 10000000, n))
                return usageError("--tasks: expected a number from 0 to 10000000");
            options.tasks = std::size_t(n);
        } else if (!std::strcmp(arg, "--seconds")) {
            if (!parseCount(value, 1, 3600, n))
                return usageError("--seconds: expected a number from 1 to 3600");
            options.seconds = double(n);
        } else if (!std::strcmp(arg, "--rate")) {
            if (!parseCount(value, 1, 10, n))
                return usageError("--rate: expected a number from 1 to 10");
            options.rate = int(n);
        } else if (!std::strcmp(arg, "--repeat")) {
            if (!parseCount(value, 1, 100, n))
                return usageError("--repeat: expected a number from 1 to 100");
            options.repeat = int(n);
        } else {
            return usageError(
                qPrintable(QStringLiteral("inspect-load: unexpected argument '%1'").arg(QString::fromLocal8Bit(arg))));
        }
    }
    return qaiobench::runInspectLoad(options);
}

int mainEchoServer(int argc, char **argv)
{
    qaiobench::EchoServerOptions options;
    bool havePort = false;
    for (int i = 2; i < argc; ++i) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : nullptr;
        std::uint64_t n = 0;
        if (!std::strcmp(arg, "--unix")) {
            if (!value)
                return usageError("--unix needs a path");
            options.unixPath = QString::fromLocal8Bit(value);
            ++i;
        } else if (!std::strcmp(arg, "--impl")) {
            if (value && !std::strcmp(value, "qaio"))
                options.impl = qaiobench::EchoImpl::Qaio;
            else if (value && !std::strcmp(value, "ref"))
                options.impl = qaiobench::EchoImpl::Ref;
            else if (value && !std::strcmp(value, "qt"))
                options.impl = qaiobench::EchoImpl::Qt;
            else
                return usageError("--impl: expected qaio, ref or qt");
            ++i;
        } else if (!std::strcmp(arg, "--udp")) {
            options.udp = true;
        } else if (!std::strcmp(arg, "--tls")) {
            if (!value || i + 2 >= argc)
                return usageError("--tls needs a certificate chain and a key (PEM files)");
            options.tlsCert = QString::fromLocal8Bit(value);
            options.tlsKey = QString::fromLocal8Bit(argv[i + 2]);
            i += 2;
        } else if (!std::strcmp(arg, "--cpu")) { // internal (echo, idle)
            if (!parseCount(value, 0, 4095, n))
                return usageError("--cpu: expected a CPU number");
            options.cpu = int(n);
            ++i;
        } else if (!std::strcmp(arg, "--child")) { // internal (echo, idle)
            options.child = true;
        } else if (!std::strcmp(arg, "--control")) { // internal (idle)
            options.control = true;
        } else if (!havePort && parseCount(arg, 0, 65535, n)) {
            options.port = quint16(n);
            havePort = true;
        } else {
            return usageError(
                qPrintable(QStringLiteral("echo-server: unexpected argument '%1'").arg(QString::fromLocal8Bit(arg))));
        }
    }
    if (options.udp && !options.unixPath.isEmpty())
        return usageError("--udp and --unix cannot be combined");
    if (options.udp && options.control)
        return usageError("--control works with TCP only");
    if (!options.tlsCert.isEmpty() && (options.udp || !options.unixPath.isEmpty()))
        return usageError("--tls works with TCP only");
    if (!havePort && options.unixPath.isEmpty())
        return usageError("echo-server needs a PORT (0: any free port) or --unix PATH");
    if (options.control && options.impl != qaiobench::EchoImpl::Qaio)
        return usageError("--control works with --impl qaio only");
    return qaiobench::runEchoServer(options);
}

enum class LoadBench { Echo, Idle, TlsEcho, TlsHandshake };

// echo, idle and the TLS benchmarks share their options: --conns, --size, --count,
// --repeat (--active: idle; --only: the others).
int mainLoadBench(int argc, char **argv, LoadBench bench)
{
    const bool idle = bench == LoadBench::Idle;
    qaiobench::EchoOptions echo;
    qaiobench::IdleOptions idleOptions;
    std::size_t &conns = idle ? idleOptions.conns : echo.conns;
    std::size_t &size = idle ? idleOptions.size : echo.size;
    std::uint64_t &count = idle ? idleOptions.count : echo.count;
    int &repeat = idle ? idleOptions.repeat : echo.repeat;
    for (int i = 2; i < argc; i += 2) { // every option takes a value
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : nullptr;
        std::uint64_t n = 0;
        if (!std::strcmp(arg, "--conns")) {
            if (!parseCount(value, 1, 1000000, n))
                return usageError("--conns: expected a number from 1 to 1000000");
            conns = std::size_t(n);
        } else if (!std::strcmp(arg, "--only") && !idle) {
            if (!value)
                return usageError("--only needs a list of servers: ref, qaio, qt");
            echo.ref = echo.qaio = echo.qt = false;
            for (const QString &name : QString::fromLocal8Bit(value).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                if (name == QLatin1String("ref"))
                    echo.ref = true;
                else if (name == QLatin1String("qaio"))
                    echo.qaio = true;
                else if (name == QLatin1String("qt"))
                    echo.qt = true;
                else
                    return usageError(qPrintable(QStringLiteral("--only: unknown server '%1'").arg(name)));
            }
        } else if (!std::strcmp(arg, "--active") && idle) {
            if (!parseCount(value, 1, 1000000, n))
                return usageError("--active: expected a number from 1 to 1000000");
            idleOptions.active = std::size_t(n);
        } else if (!std::strcmp(arg, "--size")) {
            const std::optional<std::size_t> bytes = qaiobench::parseSize(value);
            if (!bytes || *bytes == 0 || *bytes > 64 * 1024 * 1024)
                return usageError("--size: expected a size from 1 byte to 64MiB, such as 1024, 1KiB or 100KiB");
            size = *bytes;
        } else if (!std::strcmp(arg, "--count")) {
            if (!parseCount(value, 1, std::uint64_t(1) << 40, n))
                return usageError("--count: expected a positive number");
            count = n;
        } else if (!std::strcmp(arg, "--repeat")) {
            if (!parseCount(value, 1, 1000, n))
                return usageError("--repeat: expected a number from 1 to 1000");
            repeat = int(n);
        } else {
            return usageError(qPrintable(QStringLiteral("unknown argument '%1'").arg(QString::fromLocal8Bit(arg))));
        }
    }
    switch (bench) {
    case LoadBench::Idle:
        return qaiobench::runIdle(idleOptions);
    case LoadBench::TlsEcho:
        return qaiobench::runTlsEcho(echo);
    case LoadBench::TlsHandshake:
        return qaiobench::runTlsHandshake(echo);
    case LoadBench::Echo:
        break;
    }
    return qaiobench::runEcho(echo);
}

int mainFdStorm(int argc, char **argv)
{
    qaiobench::FdStormOptions options;
    for (int i = 2; i < argc; i += 2) { // every option takes a value
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : nullptr;
        std::uint64_t n = 0;
        if (!std::strcmp(arg, "--fds")) {
            if (!parseCount(value, 2, 1000000, n))
                return usageError("--fds: expected a number from 2 to 1000000");
            options.fds = std::size_t(n);
        } else if (!std::strcmp(arg, "--rounds")) {
            if (!parseCount(value, 1, 100000, n))
                return usageError("--rounds: expected a number from 1 to 100000");
            options.rounds = int(n);
        } else if (!std::strcmp(arg, "--repeat")) {
            if (!parseCount(value, 1, 1000, n))
                return usageError("--repeat: expected a number from 1 to 1000");
            options.repeat = int(n);
        } else {
            return usageError(qPrintable(QStringLiteral("unknown argument '%1'").arg(QString::fromLocal8Bit(arg))));
        }
    }
    return qaiobench::runFdStorm(options);
}

int mainUdp(int argc, char **argv)
{
    qaiobench::UdpOptions options;
    for (int i = 2; i < argc; i += 2) { // every option takes a value
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : nullptr;
        std::uint64_t n = 0;
        if (!std::strcmp(arg, "--count")) {
            if (!parseCount(value, 1, std::uint64_t(1) << 40, n))
                return usageError("--count: expected a positive number");
            options.count = n;
        } else if (!std::strcmp(arg, "--size")) {
            const std::optional<std::size_t> bytes = qaiobench::parseSize(value);
            if (!bytes || *bytes == 0 || *bytes > 65507)
                return usageError("--size: expected a datagram size from 1 to 65507 bytes");
            options.size = *bytes;
        } else if (!std::strcmp(arg, "--window")) {
            if (!parseCount(value, 1, 4096, n))
                return usageError("--window: expected a number from 1 to 4096");
            options.window = std::size_t(n);
        } else if (!std::strcmp(arg, "--repeat")) {
            if (!parseCount(value, 1, 1000, n))
                return usageError("--repeat: expected a number from 1 to 1000");
            options.repeat = int(n);
        } else if (!std::strcmp(arg, "--only")) {
            if (!value)
                return usageError("--only needs a list of servers: ref, qaio, qt");
            options.ref = options.qaio = options.qt = false;
            for (const QString &name : QString::fromLocal8Bit(value).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                if (name == QLatin1String("ref"))
                    options.ref = true;
                else if (name == QLatin1String("qaio"))
                    options.qaio = true;
                else if (name == QLatin1String("qt"))
                    options.qt = true;
                else
                    return usageError(qPrintable(QStringLiteral("--only: unknown server '%1'").arg(name)));
            }
        } else {
            return usageError(qPrintable(QStringLiteral("unknown argument '%1'").arg(QString::fromLocal8Bit(arg))));
        }
    }
    return qaiobench::runUdp(options);
}

int mainSpawn(int argc, char **argv)
{
    qaiobench::SpawnOptions options;
    for (int i = 2; i < argc; i += 2) { // every option takes a value
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : nullptr;
        std::uint64_t n = 0;
        if (!std::strcmp(arg, "--count")) {
            if (!parseCount(value, 1, 100000, n))
                return usageError("--count: expected a number from 1 to 100000");
            options.count = int(n);
        } else if (!std::strcmp(arg, "--repeat")) {
            if (!parseCount(value, 1, 1000, n))
                return usageError("--repeat: expected a number from 1 to 1000");
            options.repeat = int(n);
        } else if (!std::strcmp(arg, "--only")) {
            if (!value || (std::strcmp(value, "raw") && std::strcmp(value, "qaio") && std::strcmp(value, "qprocess")))
                return usageError("--only: expected raw, qaio or qprocess");
            options.only = value;
        } else {
            return usageError(qPrintable(QStringLiteral("unknown argument '%1'").arg(QString::fromLocal8Bit(arg))));
        }
    }
    return qaiobench::runSpawn(options);
}

int mainPipe(int argc, char **argv)
{
    qaiobench::PipeOptions options;
    for (int i = 2; i < argc; i += 2) { // every option takes a value
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : nullptr;
        std::uint64_t n = 0;
        if (!std::strcmp(arg, "--bytes")) {
            const std::optional<std::size_t> bytes = qaiobench::parseSize(value);
            if (!bytes || *bytes == 0)
                return usageError("--bytes: expected a size such as 64MiB or 1GiB");
            options.bytes = *bytes;
        } else if (!std::strcmp(arg, "--repeat")) {
            if (!parseCount(value, 1, 1000, n))
                return usageError("--repeat: expected a number from 1 to 1000");
            options.repeat = int(n);
        } else {
            return usageError(qPrintable(QStringLiteral("unknown argument '%1'").arg(QString::fromLocal8Bit(arg))));
        }
    }
    return qaiobench::runPipe(options);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc >= 2 && !std::strcmp(argv[1], "echo-server"))
        return mainEchoServer(argc, argv);
    if (argc >= 2 && !std::strcmp(argv[1], "echo"))
        return mainLoadBench(argc, argv, LoadBench::Echo);
    if (argc >= 2 && !std::strcmp(argv[1], "idle"))
        return mainLoadBench(argc, argv, LoadBench::Idle);
    if (argc >= 2 && !std::strcmp(argv[1], "tls-echo"))
        return mainLoadBench(argc, argv, LoadBench::TlsEcho);
    if (argc >= 2 && !std::strcmp(argv[1], "tls-handshake"))
        return mainLoadBench(argc, argv, LoadBench::TlsHandshake);
    if (argc >= 2 && !std::strcmp(argv[1], "fdstorm"))
        return mainFdStorm(argc, argv);
    if (argc >= 2 && !std::strcmp(argv[1], "udp"))
        return mainUdp(argc, argv);
    if (argc >= 2 && !std::strcmp(argv[1], "spawn"))
        return mainSpawn(argc, argv);
    if (argc >= 2 && !std::strcmp(argv[1], "pipe"))
        return mainPipe(argc, argv);
    if (argc >= 2 && !std::strcmp(argv[1], "inspect-load"))
        return mainInspectLoad(argc, argv);
    qaiobench::MicroOptions options;
    bool micro = false;
    for (int i = 1; i < argc; ++i) {
        const char *arg = argv[i];
        if (!std::strcmp(arg, "--help") || !std::strcmp(arg, "-h")) {
            printHelp(stdout);
            return 0;
        } else if (!std::strcmp(arg, "micro")) {
            micro = true;
        } else if (!std::strcmp(arg, "sync")) {
            micro = true;
            options.suite = qaiobench::MicroOptions::Suite::Sync;
        } else if (!std::strcmp(arg, "--cpu-time")) {
            options.cpuTime = true;
        } else if (!std::strcmp(arg, "--asyncio")) {
            options.asyncio = true;
        } else if (!std::strcmp(arg, "--quick")) {
            options.quick = true;
        } else if (!std::strcmp(arg, "--repeat")) {
            if (++i >= argc)
                return usageError("--repeat needs a number");
            char *end = nullptr;
            const long n = std::strtol(argv[i], &end, 10);
            if (!end || *end || n < 1 || n > 1000)
                return usageError("--repeat: expected a number from 1 to 1000");
            options.repeat = int(n);
        } else if (!std::strcmp(arg, "--only")) {
            if (++i >= argc)
                return usageError("--only needs a list of figure names");
            options.only = QString::fromLocal8Bit(argv[i]).split(QLatin1Char(','), Qt::SkipEmptyParts);
        } else {
            return usageError(qPrintable(QStringLiteral("unknown argument '%1'").arg(QString::fromLocal8Bit(arg))));
        }
    }
    if (!micro)
        return usageError("no benchmark given (micro, sync, echo, echo-server, idle, fdstorm, udp, spawn, pipe, "
                          "tls-echo, tls-handshake or inspect-load)");
    const QStringList known = qaiobench::microFigureNames(options.suite);
    for (const QString &name : options.only) {
        if (!known.contains(name))
            return usageError(qPrintable(QStringLiteral("--only: unknown figure '%1'").arg(name)));
    }
    return qaiobench::runMicro(options);
}
