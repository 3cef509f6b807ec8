// Copyright (c) qaio authors. Licensed under the MIT license.
//
// asyncio's documentation example "create_subprocess_exec() and streams", with qaio: run
// a program, read the first line of its output from the stdout stream, wait for its exit.
// https://docs.python.org/3/library/asyncio-subprocess.html#examples
//
// Usage: qaio-example-subprocess-streams   (runs `date`; exits 1 if no date came back)
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QRegularExpression>

#include <cstdio>

qaio::Coro<QString> getDate()
{
    // Create the subprocess; its stdout is a pipe (a StreamReader).
    auto starting = qaio::createSubprocessExec(QStringLiteral("date"), {QStringLiteral("+%Y-%m-%d %H:%M:%S")},
                                               {.stdIn = qaio::Stdio::inherit(), .stdErr = qaio::Stdio::inherit()});
    std::shared_ptr<qaio::Process> proc = co_await std::move(starting);

    // Read one line of output.
    const QByteArray data = co_await proc->stdOut()->readline();
    const QString line = QString::fromLatin1(data).trimmed();

    // Wait for the subprocess exit.
    const int code = co_await proc->wait();
    std::printf("date exited with %d\n", code);
    co_return line;
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const QString date = qaio::run(getDate());
    std::printf("Current date: %s\n", qPrintable(date));
    return QRegularExpression(QStringLiteral("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$")).match(date).hasMatch() ? 0 : 1;
}
