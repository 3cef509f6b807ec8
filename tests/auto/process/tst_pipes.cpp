// Copyright (c) qaio authors. Licensed under the MIT license.
// Pipe transports: EventLoop::connectReadPipe() / connectWritePipe() (ported from
// CPython's test_asyncio test_unix_events UnixReadPipeTransportTests /
// UnixWritePipeTransportTests and test_events' test_read_pipe / test_write_pipe /
// test_read_pty_output / test_write_pipe_disconnect_on_close): asyncio's call order,
// pause/resume, flow control on a full pipe, the reader going away (with and without
// buffered data, never a SIGPIPE), writeEof, PTYs (EIO is the end), FIFOs, sockets and
// character devices, refused kinds of files, read-only writes, cancellation, loop close.
#include "looptestcase.h"
#include "../net/nettransport_helpers.h" // the transport suites' recording protocols

#include <QtTest/QtTest>

#include <csignal>

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

using namespace nettest;

namespace {

struct PipeEnds
{
    int read = -1;
    int write = -1;
};

PipeEnds makePipe()
{
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0)
        qFatal("pipe2 failed");
    return {fds[0], fds[1]};
}

bool isClosed(int fd)
{
    return ::fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

void setNonBlocking(int fd)
{
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/*! Reads everything available from the non-blocking \a fd; true at end of file. */
bool drain(int fd, QByteArray &into)
{
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n > 0) {
            into.append(buffer, n);
            continue;
        }
        return n == 0;
    }
}

/*! Reads the non-blocking \a fd from the loop as data arrives (a reader callback),
    poking runUntil() each time; eof once the writer has closed. */
class PipeDrainer
{
public:
    PipeDrainer(qaio::EventLoop &loop, int fd) : m_loop(loop), m_fd(fd)
    {
        setNonBlocking(fd);
        m_loop.addReader(fd, [this] {
            if (drain(m_fd, received)) {
                eof = true;
                m_loop.removeReader(m_fd);
            }
            poke();
        });
    }
    ~PipeDrainer()
    {
        if (!eof)
            m_loop.removeReader(m_fd);
    }
    QByteArray received;
    bool eof = false;

private:
    qaio::EventLoop &m_loop;
    int m_fd;
};

qaio::ReadPipeConnection<TraceProtocol> openReadPipe(qaio::EventLoop &loop, int fd, std::shared_ptr<Trace> trace)
{
    auto factory = [trace] { return std::make_unique<TraceProtocol>(trace); };
    return loop.runUntilComplete(loop.connectReadPipe(factory, fd));
}

qaio::WritePipeConnection<TraceProtocol> openWritePipe(qaio::EventLoop &loop, int fd, std::shared_ptr<Trace> trace)
{
    auto factory = [trace] { return std::make_unique<TraceProtocol>(trace); };
    return loop.runUntilComplete(loop.connectWritePipe(factory, fd));
}

} // namespace

class tst_Pipes : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        // Qt Test catches SIGPIPE as a crash; an application ignores it (QProcess makes it
        // so, and so does the first write pipe where it has the default action). Writes to
        // a vanished reader then fail with BrokenPipeError, which is what these tests check.
        ::signal(SIGPIPE, SIG_IGN);
    }
    void readPipeCallOrder();
    void readPipePauseAndResume();
    void readPipeBufferedProtocol();
    void writePipeFlowControl();
    void writePipeReaderGoneWithEmptyBuffer();
    void writePipeReaderGoneWithBufferedData();
    void writeEofSendsThenCloses();
    void ptyEndIsEof();
    void fifoSocketAndDevices();
    void refusedDescriptors();
    void readPipeRefusesWrites();
    void cancelledConnectClosesPipe();
    void loopCloseClosesPipes();
};

// test_read_pipe: made, data, eof, lost; the transport closes its descriptor.
void tst_Pipes::readPipeCallOrder()
{
    qaio::EventLoop &loop = guard->loop();
    const PipeEnds p = makePipe();
    auto trace = std::make_shared<Trace>();
    auto transportProtocol = openReadPipe(loop, p.read, trace);
    auto transport = std::move(transportProtocol.transport);
    [[maybe_unused]] auto *protocol = transportProtocol.protocol;
    QVERIFY(protocol);
    QCOMPARE(transport->extraInfo(QStringLiteral("pipe")).value<qintptr>(), qintptr(p.read));
    QVERIFY(transport->isReading());
    QCOMPARE(::write(p.write, "one", 3), ssize_t(3));
    runUntil(loop, [&] { return trace->received == "one"; });
    QCOMPARE(::write(p.write, "two", 3), ssize_t(3));
    ::close(p.write);
    runUntil(loop, [&] { return trace->lost == 1; });
    QCOMPARE(trace->received, QByteArray("onetwo"));
    QCOMPARE(trace->compact(), (QStringList{"made", "data", "eof", "lost"}));
    QVERIFY(!trace->lostError);
    QVERIFY(transport->isClosing());
    QVERIFY(isClosed(p.read));
    QCOMPARE(transport->extraInfo(QStringLiteral("pipe")), QVariant());
}

void tst_Pipes::readPipePauseAndResume()
{
    qaio::EventLoop &loop = guard->loop();
    const PipeEnds p = makePipe();
    auto trace = std::make_shared<Trace>();
    auto transportProtocol = openReadPipe(loop, p.read, trace);
    auto transport = std::move(transportProtocol.transport);
    [[maybe_unused]] auto *protocol = transportProtocol.protocol;
    ::write(p.write, "a", 1);
    runUntil(loop, [&] { return trace->received == "a"; });
    transport->pauseReading();
    transport->pauseReading(); // idempotent
    QVERIFY(!transport->isReading());
    ::write(p.write, "b", 1);
    for (int i = 0; i < 5; ++i)
        loop.runUntilComplete(yieldOnce());
    QCOMPARE(trace->received, QByteArray("a")); // "b" waits in the pipe
    transport->resumeReading();
    QVERIFY(transport->isReading());
    runUntil(loop, [&] { return trace->received == "ab"; });
    transport->close();
    runUntil(loop, [&] { return trace->lost == 1; });
    QCOMPARE(trace->eofs, 0); // closed by us, not by the writer
    ::close(p.write);
}

class CollectingBuffered : public qaio::BufferedProtocol
{
public:
    explicit CollectingBuffered(std::shared_ptr<Trace> trace) : trace(std::move(trace)) {}
    std::span<char> getBuffer(qsizetype) override { return std::span<char>(buffer, sizeof buffer); }
    void bufferUpdated(qsizetype n) override
    {
        trace->received.append(buffer, n);
        poke();
    }
    bool eofReceived() override
    {
        ++trace->eofs;
        return true; // ignored by a read pipe: it closes anyway
    }
    void connectionLost(std::exception_ptr error) override
    {
        ++trace->lost;
        trace->lostError = error;
        poke();
    }
    std::shared_ptr<Trace> trace;
    char buffer[5];
};

void tst_Pipes::readPipeBufferedProtocol()
{
    qaio::EventLoop &loop = guard->loop();
    const PipeEnds p = makePipe();
    auto trace = std::make_shared<Trace>();
    auto factory = [trace] { return std::make_unique<CollectingBuffered>(trace); };
    auto transportProtocol = loop.runUntilComplete(loop.connectReadPipe(factory, p.read));
    auto transport = std::move(transportProtocol.transport);
    [[maybe_unused]] auto *protocol = transportProtocol.protocol;
    const QByteArray payload = patternBytes(60000); // within the pipe's 64 KiB: the write cannot block
    QCOMPARE(::write(p.write, payload.constData(), std::size_t(payload.size())), ssize_t(payload.size()));
    ::close(p.write);
    runUntil(loop, [&] { return trace->lost == 1; });
    QCOMPARE(trace->received, payload);
    QCOMPARE(trace->eofs, 1);
    QVERIFY(transport->isClosing());
}

// A write pipe whose reader is slow: pauseWriting() over the high mark, resumeWriting()
// at the low one, every byte delivered in order, then EOF after close().
void tst_Pipes::writePipeFlowControl()
{
    qaio::EventLoop &loop = guard->loop();
    const PipeEnds p = makePipe();
    auto trace = std::make_shared<Trace>();
    auto transportProtocol = openWritePipe(loop, p.write, trace);
    auto transport = std::move(transportProtocol.transport);
    [[maybe_unused]] auto *protocol = transportProtocol.protocol;
    QVERIFY(transport->canWriteEof());
    const QByteArray payload = patternBytes(1 << 20);
    for (qsizetype offset = 0; offset < payload.size(); offset += 65536)
        transport->write(payload.mid(offset, 65536));
    QVERIFY(transport->writeBufferSize() > 0); // a pipe holds 64 KiB
    QCOMPARE(trace->events.count(QStringLiteral("pause")), 1);
    transport->close();
    PipeDrainer reader(loop, p.read);
    runUntil(loop, [&] { return reader.eof && trace->lost == 1; });
    QCOMPARE(reader.received.size(), payload.size());
    QVERIFY(reader.received == payload);
    QCOMPARE(trace->events.count(QStringLiteral("resume")), 1);
    QVERIFY(!trace->lostError);
    QVERIFY(isClosed(p.write));
    ::close(p.read);
}

// test_write_pipe_disconnect_on_close: the reader goes away while nothing is buffered:
// connectionLost(None) at once, no SIGPIPE.
void tst_Pipes::writePipeReaderGoneWithEmptyBuffer()
{
    qaio::EventLoop &loop = guard->loop();
    const PipeEnds p = makePipe();
    auto trace = std::make_shared<Trace>();
    auto transportProtocol = openWritePipe(loop, p.write, trace);
    auto transport = std::move(transportProtocol.transport);
    [[maybe_unused]] auto *protocol = transportProtocol.protocol;
    transport->write("taken");
    ::close(p.read);
    runUntil(loop, [&] { return trace->lost == 1; });
    QVERIFY(!trace->lostError);
    QVERIFY(isClosed(p.write));
    transport->write("dropped after the loss"); // no exception, no signal
}

// The reader goes away with data still buffered: BrokenPipeError.
void tst_Pipes::writePipeReaderGoneWithBufferedData()
{
    qaio::EventLoop &loop = guard->loop();
    const PipeEnds p = makePipe();
    auto trace = std::make_shared<Trace>();
    auto transportProtocol = openWritePipe(loop, p.write, trace);
    auto transport = std::move(transportProtocol.transport);
    [[maybe_unused]] auto *protocol = transportProtocol.protocol;
    transport->write(QByteArray(200000, 'x'));
    QVERIFY(transport->writeBufferSize() > 0);
    ::close(p.read);
    runUntil(loop, [&] { return trace->lost == 1; });
    QVERIFY(!qaiotest::exceptionMessage<qaio::BrokenPipeError>(trace->lostError).isNull());
    QCOMPARE(transport->writeBufferSize(), 0);
}

void tst_Pipes::writeEofSendsThenCloses()
{
    qaio::EventLoop &loop = guard->loop();
    const PipeEnds p = makePipe();
    auto trace = std::make_shared<Trace>();
    auto transportProtocol = openWritePipe(loop, p.write, trace);
    auto transport = std::move(transportProtocol.transport);
    [[maybe_unused]] auto *protocol = transportProtocol.protocol;
    transport->write(QByteArray(100000, 'y'));
    transport->writeEof();
    QVERIFY(transport->isClosing());
    PipeDrainer reader(loop, p.read);
    runUntil(loop, [&] { return reader.eof && trace->lost == 1; });
    QCOMPARE(reader.received, QByteArray(100000, 'y'));
    QVERIFY(!trace->lostError);
    ::close(p.read);
}

// test_read_pty_output: a PTY's master reads what the other side writes; when that side
// closes, the EIO that follows is the end of the data, not an error.
void tst_Pipes::ptyEndIsEof()
{
    qaio::EventLoop &loop = guard->loop();
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        QSKIP("no PTYs on this machine");
    QCOMPARE(::grantpt(master), 0);
    QCOMPARE(::unlockpt(master), 0);
    const int slave = ::open(::ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
    QVERIFY(slave >= 0);
    termios raw{};
    ::tcgetattr(slave, &raw);
    ::cfmakeraw(&raw);
    ::tcsetattr(slave, TCSANOW, &raw);
    auto trace = std::make_shared<Trace>();
    auto transportProtocol = openReadPipe(loop, master, trace);
    auto transport = std::move(transportProtocol.transport);
    [[maybe_unused]] auto *protocol = transportProtocol.protocol;
    QCOMPARE(::write(slave, "from the terminal", 17), ssize_t(17));
    runUntil(loop, [&] { return trace->received.size() == 17; });
    ::close(slave);
    runUntil(loop, [&] { return trace->lost == 1; });
    QCOMPARE(trace->received, QByteArray("from the terminal"));
    QCOMPARE(trace->eofs, 1);
    QVERIFY2(!trace->lostError, qPrintable(qaio::describeException(trace->lostError)));
    QVERIFY(isClosed(master));
}

// connect_read_pipe() and connect_write_pipe() take FIFOs, sockets and character devices.
void tst_Pipes::fifoSocketAndDevices()
{
    qaio::EventLoop &loop = guard->loop();
    QTemporaryDir dir;
    const QByteArray fifo = dir.filePath(QStringLiteral("fifo")).toLocal8Bit();
    QCOMPARE(::mkfifo(fifo.constData(), 0600), 0);
    const int fifoRead = ::open(fifo.constData(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    const int fifoWrite = ::open(fifo.constData(), O_WRONLY | O_CLOEXEC);
    QVERIFY(fifoRead >= 0 && fifoWrite >= 0);
    auto fifoTrace = std::make_shared<Trace>();
    auto fifoReaderFp = openReadPipe(loop, fifoRead, fifoTrace);
    auto fifoReader = std::move(fifoReaderFp.transport);
    [[maybe_unused]] auto *fp = fifoReaderFp.protocol;
    auto fifoWriterTrace = std::make_shared<Trace>();
    auto fifoWriterFwp = openWritePipe(loop, fifoWrite, fifoWriterTrace);
    auto fifoWriter = std::move(fifoWriterFwp.transport);
    [[maybe_unused]] auto *fwp = fifoWriterFwp.protocol;
    fifoWriter->write("through the fifo");
    fifoWriter->close();
    runUntil(loop, [&] { return fifoTrace->lost == 1 && fifoWriterTrace->lost == 1; });
    QCOMPARE(fifoTrace->received, QByteArray("through the fifo"));

    int pair[2];
    QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    auto socketTrace = std::make_shared<Trace>();
    auto socketReaderSp = openReadPipe(loop, pair[0], socketTrace);
    auto socketReader = std::move(socketReaderSp.transport);
    ::write(pair[1], "socket", 6);
    ::close(pair[1]);
    runUntil(loop, [&] { return socketTrace->lost == 1; });
    QCOMPARE(socketTrace->received, QByteArray("socket"));

    const int devNull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    auto nullTrace = std::make_shared<Trace>();
    auto nullWriterNp = openWritePipe(loop, devNull, nullTrace);
    auto nullWriter = std::move(nullWriterNp.transport);
    [[maybe_unused]] auto *np = nullWriterNp.protocol;
    nullWriter->write(QByteArray(1 << 20, 'z')); // /dev/null takes everything at once
    QCOMPARE(nullWriter->writeBufferSize(), 0);
    nullWriter->close();
    const int devZero = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
    auto zeroTrace = std::make_shared<Trace>();
    auto zeroReaderZp = openReadPipe(loop, devZero, zeroTrace);
    auto zeroReader = std::move(zeroReaderZp.transport);
    [[maybe_unused]] auto *zp = zeroReaderZp.protocol;
    runUntil(loop, [&] { return zeroTrace->received.size() >= 1000; });
    zeroReader->close();
    runUntil(loop, [&] { return nullTrace->lost == 1 && zeroTrace->lost == 1; });
    QVERIFY(zeroTrace->received.count('\0') == zeroTrace->received.size());
    QVERIFY(isClosed(devNull) && isClosed(devZero));
}

// asyncio: ValueError("Pipe transport is for pipes/sockets only."); the descriptor stays
// the caller's when the call throws.
void tst_Pipes::refusedDescriptors()
{
    qaio::EventLoop &loop = guard->loop();
    QTemporaryFile file;
    QVERIFY(file.open());
    const int regular = file.handle();
    auto factory = [] { return std::make_unique<qaio::Protocol>(); };
    QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.connectReadPipe(factory, regular)),
             QStringLiteral("Pipe transport is for pipes/sockets only."));
    QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.connectWritePipe(factory, regular)),
             QStringLiteral("Pipe transport is for pipes/sockets only."));
    QVERIFY(!isClosed(regular));
    QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.connectReadPipe(factory, -1)),
             QStringLiteral("connectReadPipe(): pipe: invalid file descriptor -1"));
    const PipeEnds p = makePipe();
    ::close(p.read);
    ::close(p.write);
    QVERIFY(expectThrow<qaio::ValueError>(loop, loop.connectReadPipe(factory, p.read))
                .contains(QLatin1String("not an open file descriptor")));
    qaio::ProtocolFactory empty;
    QCOMPARE(expectThrow<qaio::ValueError>(loop, loop.connectWritePipe(empty, 0)),
             QStringLiteral("connectWritePipe(): protocolFactory is empty"));
}

void tst_Pipes::readPipeRefusesWrites()
{
    qaio::EventLoop &loop = guard->loop();
    const PipeEnds p = makePipe();
    auto trace = std::make_shared<Trace>();
    auto transportProtocol = openReadPipe(loop, p.read, trace);
    auto transport = std::move(transportProtocol.transport);
    [[maybe_unused]] auto *protocol = transportProtocol.protocol;
    auto *both = dynamic_cast<qaio::Transport *>(transport.get()); // what a protocol's transport() gives
    QVERIFY(both);
    QVERIFY(!both->canWriteEof());
    QCOMPARE(qaiotest::messageOf<qaio::RuntimeError>([&] { both->write("x"); }),
             QStringLiteral("write(): the pipe transport is read-only"));
    QVERIFY(!transport->isClosing());
    transport->close();
    runUntil(loop, [&] { return trace->lost == 1; });
    ::close(p.write);
}

// Cancelling before connectionMade() has run closes the transport and its descriptor.
void tst_Pipes::cancelledConnectClosesPipe()
{
    qaio::EventLoop &loop = guard->loop();
    const PipeEnds p = makePipe();
    auto trace = std::make_shared<Trace>();
    auto factory = [trace] { return std::make_unique<TraceProtocol>(trace); };
    auto task = loop.createTask(loop.connectReadPipe(factory, p.read));
    loop.callSoon([&] { task.cancel(); });
    const QString outcome = expectThrow<qaio::CancelledError>(loop, task);
    QVERIFY2(outcome != QLatin1String("NO EXCEPTION") && !outcome.startsWith(QLatin1String("WRONG")), qPrintable(outcome));
    runUntil(loop, [&] { return trace->protocolDestroyed; });
    QCOMPARE(trace->lost, trace->made);
    QVERIFY(isClosed(p.read));
    ::close(p.write);
}

// EventLoop::close() with pipe transports open: their descriptors are closed, no callback
// runs.
void tst_Pipes::loopCloseClosesPipes()
{
    qaio::EventLoop &loop = guard->loop();
    const PipeEnds p = makePipe();
    auto readTrace = std::make_shared<Trace>();
    auto writeTrace = std::make_shared<Trace>();
    {
        auto readerRp = openReadPipe(loop, p.read, readTrace);
        auto reader = std::move(readerRp.transport);
        [[maybe_unused]] auto *rp = readerRp.protocol;
        auto writerWp = openWritePipe(loop, p.write, writeTrace);
        auto writer = std::move(writerWp.transport);
        [[maybe_unused]] auto *wp = writerWp.protocol;
        writer->write("unread");
    }
    QVERIFY(!readTrace->protocolDestroyed && !writeTrace->protocolDestroyed);
    loop.close();
    QVERIFY(readTrace->protocolDestroyed && writeTrace->protocolDestroyed);
    QCOMPARE(readTrace->lost + writeTrace->lost, 0);
    QVERIFY(isClosed(p.read) && isClosed(p.write));
}

QTEST_GUILESS_MAIN(tst_Pipes)
#include "tst_pipes.moc"
