// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/streams/streamreader.h>

#include <qaio/core/detail/loopresource_p.h>

#include <qaio/loop/eventloop.h>
#include <qaio/loop/policy.h>
#include <qaio/core/transports.h>

#include <algorithm>
#include <optional>

namespace qaio {

StreamReader::StreamReader(qsizetype limit, EventLoop *loop)
    : m_loop(loop), m_limit(limit)
{
    if (limit <= 0)
        throw ValueError("Limit cannot be <= 0");
    if (!m_loop)
        m_loop = &getEventLoop();
}

StreamReader::~StreamReader() = default;

void StreamReader::setTransport(const std::shared_ptr<ReadTransport> &transport)
{
    if (m_hasTransport)
        throw RuntimeError("Transport already set");
    m_hasTransport = true;
    m_transport = transport;
}

void StreamReader::replaceTransport(const std::shared_ptr<ReadTransport> &transport)
{
    m_hasTransport = true;
    m_transport = transport;
    if (m_paused && transport)
        transport->pauseReading();
}

void StreamReader::rethrowException() const
{
    if (m_exception)
        std::rethrow_exception(m_exception);
}

void StreamReader::wakeupWaiter()
{
    if (!m_waiter.isValid())
        return;
    Future<void> waiter = std::exchange(m_waiter, Future<void>());
    if (!waiter.done())
        waiter.setResult();
}

void StreamReader::setException(std::exception_ptr error)
{
    m_exception = error;
    if (!m_waiter.isValid())
        return;
    Future<void> waiter = std::exchange(m_waiter, Future<void>());
    if (!waiter.done())
        waiter.setException(error);
}

void StreamReader::feedEof()
{
    m_eof = true;
    wakeupWaiter();
}

void StreamReader::feedData(QByteArrayView data)
{
    if (m_eof)
        throw RuntimeError("feedData() after feedEof()");
    if (data.isEmpty())
        return;
    m_buffer.append(data);
    wakeupWaiter();

    if (m_paused || m_buffer.size() <= 2 * m_limit)
        return;
    if (std::shared_ptr<ReadTransport> transport = m_transport.lock()) {
        transport->pauseReading();
        m_paused = true;
    }
}

void StreamReader::maybeResumeTransport()
{
    if (!m_paused || m_buffer.size() > m_limit)
        return;
    m_paused = false;
    if (std::shared_ptr<ReadTransport> transport = m_transport.lock())
        transport->resumeReading();
}

QByteArray StreamReader::take(qsizetype n)
{
    QByteArray data;
    if (n >= m_buffer.size()) {
        data = std::exchange(m_buffer, QByteArray());
    } else {
        data = m_buffer.first(n);
        m_buffer.remove(0, n);
    }
    maybeResumeTransport();
    return data;
}

namespace {
/*! What a task waiting for data shows the inspector: the transport it reads from. */
class ReadWaitTarget final : public detail::AwaitTarget
{
public:
    ReadWaitTarget(const std::weak_ptr<ReadTransport> &transport, qsizetype buffered)
        : m_transport(transport), m_buffered(buffered)
    {
    }
    void describeAwait(AwaitEdge &edge) const override
    {
        edge.detail = QStringLiteral("%1 byte(s) buffered, waiting for more").arg(m_buffered);
        if (const std::shared_ptr<ReadTransport> transport = m_transport.lock()) {
            if (const auto *resource = dynamic_cast<const detail::LoopResource *>(transport.get()))
                edge.resourceId = resource->resourceId();
        }
    }

private:
    std::weak_ptr<ReadTransport> m_transport;
    qsizetype m_buffered;
};
} // namespace

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<void> StreamReader::waitForData(const char *functionName)
{
    // Without this rule two readers would race for the same bytes (asyncio's message).
    if (m_waiter.isValid())
        throw RuntimeError(QStringLiteral("%1() called while another coroutine is already waiting for incoming data")
                               .arg(QLatin1String(functionName)));
    if (m_eof)
        throw RuntimeError(QStringLiteral("%1(): waiting for data after EOF").arg(QLatin1String(functionName)));

    // Waiting with reading paused would deadlock when a read needs more than the buffer.
    if (m_paused) {
        m_paused = false;
        if (std::shared_ptr<ReadTransport> transport = m_transport.lock())
            transport->resumeReading();
    }

    Future<void> waiter = m_loop->createFuture<void>();
    const ReadWaitTarget target(m_transport, m_buffer.size());
    waiter.state()->tagAwait(AwaitEdge::Kind::StreamRead, functionName, &target);
    m_waiter = waiter;
    try {
        co_await waiter;
    } catch (...) {
        waiter.state()->awaitTarget = nullptr;
        if (m_waiter == waiter)
            m_waiter = Future<void>();
        // Cancelled after the waiter got an error: the error stays in m_exception and
        // the next read rethrows it, so this future must not report it as unretrieved.
        if (waiter.done() && !waiter.cancelled())
            (void)waiter.exception();
        throw;
    }
    waiter.state()->awaitTarget = nullptr;
    if (m_waiter == waiter)
        m_waiter = Future<void>();
}

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<QByteArray> StreamReader::read(qsizetype n)
{
    rethrowException();
    if (n == 0)
        co_return QByteArray();

    if (n < 0) {
        // Until EOF. The data stays in the buffer meanwhile (asyncio moves it into a list
        // of blocks), so a cancelled read(-1) loses nothing; waitForData() resumes the
        // transport each time flow control paused it, as asyncio's loop of reads does.
        for (;;) {
            rethrowException();
            if (m_eof)
                break;
            co_await waitForData("read");
        }
        co_return take(m_buffer.size());
    }

    if (m_buffer.isEmpty() && !m_eof)
        co_await waitForData("read");
    co_return take(n);
}

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<QByteArray> StreamReader::readexactly(qsizetype n)
{
    if (n < 0)
        throw ValueError("readexactly size can not be less than zero");
    rethrowException();
    if (n == 0)
        co_return QByteArray();

    while (m_buffer.size() < n) {
        if (m_eof) {
            QByteArray partial = std::exchange(m_buffer, QByteArray());
            throw IncompleteReadError(std::move(partial), n);
        }
        co_await waitForData("readexactly");
    }
    co_return take(n);
}

QAIO_CORO_NO_SANITIZE_FUNCTION AsyncGenerator<QByteArray> StreamReader::lines()
{
    for (;;) {
        Coro<QByteArray> reading = readline();
        QByteArray line = co_await std::move(reading);
        if (line.isEmpty())
            co_return;
        co_yield line;
    }
}

Coro<QByteArray> StreamReader::readline()
{
    const QByteArray separator("\n");
    try {
        QByteArray line = co_await readuntil(separator);
        co_return line;
    } catch (const IncompleteReadError &e) {
        co_return e.partial();
    } catch (const LimitOverrunError &e) {
        if (m_buffer.size() > e.consumed() && QByteArrayView(m_buffer).sliced(e.consumed()).startsWith(separator))
            m_buffer.remove(0, e.consumed() + separator.size());
        else
            m_buffer.clear();
        maybeResumeTransport();
        throw ValueError(e.message());
    }
}

void StreamReader::checkSeparators(const QList<QByteArray> &separators)
{
    if (separators.isEmpty())
        throw ValueError("Separator should contain at least one element");
    for (const QByteArray &separator : separators) {
        if (separator.isEmpty())
            throw ValueError("Separator should be at least one-byte string");
    }
}

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<QByteArray> StreamReader::readuntil(QByteArray separator)
{
    QList<QByteArray> separators{std::move(separator)};
    QByteArray chunk = co_await readuntil(std::move(separators));
    co_return chunk;
}

QAIO_CORO_NO_SANITIZE_FUNCTION Coro<QByteArray> StreamReader::readuntil(QList<QByteArray> separators)
{
    checkSeparators(separators);
    // Shortest first, as asyncio: the search can start later by the longest's length - 1.
    std::stable_sort(separators.begin(), separators.end(),
                     [](const QByteArray &a, const QByteArray &b) { return a.size() < b.size(); });
    const qsizetype minLength = separators.front().size();
    const qsizetype maxLength = separators.back().size();
    rethrowException();

    // Where the search resumes: bytes before it were searched already and cannot start a
    // match, which keeps a slowly growing buffer from being rescanned from the start.
    qsizetype offset = 0;
    qsizetype matchStart = -1;
    qsizetype matchEnd = -1;
    for (;;) {
        const qsizetype length = m_buffer.size();
        if (length - offset >= minLength) {
            for (const QByteArray &separator : std::as_const(separators)) {
                const qsizetype found = m_buffer.indexOf(separator, offset);
                if (found != -1) {
                    const qsizetype end = found + separator.size();
                    if (matchEnd == -1 || end < matchEnd) {
                        matchEnd = end;
                        matchStart = found;
                    }
                }
            }
            if (matchEnd != -1)
                break;
            offset = std::max<qsizetype>(0, length + 1 - maxLength);
            if (offset > m_limit)
                throw LimitOverrunError(QStringLiteral("Separator is not found, and chunk exceed the limit"), offset);
        }
        if (m_eof) {
            QByteArray partial = std::exchange(m_buffer, QByteArray());
            maybeResumeTransport();
            throw IncompleteReadError(std::move(partial), std::nullopt);
        }
        co_await waitForData("readuntil");
    }

    if (matchStart > m_limit)
        throw LimitOverrunError(QStringLiteral("Separator is found, but chunk is longer than limit"), matchStart);
    co_return take(matchEnd);
}

} // namespace qaio
