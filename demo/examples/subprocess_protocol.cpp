// Copyright (c) qaio authors. Licensed under the MIT license.
//
// asyncio's documentation example "loop.subprocess_exec() and SubprocessProtocol", with
// qaio: run a program, collect its standard output with a SubprocessProtocol, and print
// it once the child has exited and its pipe is closed.
// https://docs.python.org/3/library/asyncio-protocol.html#loop-subprocess-exec-and-subprocessprotocol
//
// Usage: qaio-example-subprocess-protocol   (runs `date`; exits 1 if no date came back)
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QRegularExpression>

#include <cstdio>

class DateProtocol : public qaio::SubprocessProtocol
{
public:
    explicit DateProtocol(qaio::Future<void> exitFuture) : m_exitFuture(std::move(exitFuture)) {}

    void pipeDataReceived(int, QByteArrayView data) override { output += data; }

    void pipeConnectionLost(int, std::exception_ptr) override
    {
        m_pipeClosed = true;
        checkForExit();
    }

    void processExited() override
    {
        m_exited = true;
        // asyncio's example waits for both; with qaio, processExited() always comes after
        // every pipe is lost, so the check is only kept to read like the original.
        checkForExit();
    }

    QByteArray output;

private:
    void checkForExit()
    {
        if (m_pipeClosed && m_exited && !m_exitFuture.done())
            m_exitFuture.setResult();
    }

    qaio::Future<void> m_exitFuture;
    bool m_pipeClosed = false;
    bool m_exited = false;
};

qaio::Coro<QString> getDate()
{
    qaio::EventLoop &loop = qaio::getRunningLoop();
    qaio::Future<void> exitFuture = loop.createFuture<void>();

    auto factory = [exitFuture] { return std::make_unique<DateProtocol>(exitFuture); };
    // stdin and stderr as the parent's (asyncio's stdin=None, stderr=None); stdout a pipe.
    qaio::SubprocessOptions options{.stdIn = qaio::Stdio::inherit(), .stdErr = qaio::Stdio::inherit()};
    // Make the call first, then await it (g++ 12: docs/toolchains.md).
    auto starting = loop.subprocessExec(factory, QStringLiteral("date"), {QStringLiteral("+%Y-%m-%d %H:%M:%S")},
                                        std::move(options));
    auto [transport, protocol] = co_await std::move(starting);

    // Wait for the subprocess exit using the processExited() method of the protocol.
    co_await exitFuture;

    // Close the stdout pipe.
    transport->close();

    // Read the output which was collected by the pipeDataReceived() method of the protocol.
    co_return QString::fromLatin1(protocol->output).trimmed();
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QString date = qaio::run(getDate());
    std::printf("Current date: %s\n", qPrintable(date));
    return QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$")).match(date).hasMatch() ? 0 : 1;
}
