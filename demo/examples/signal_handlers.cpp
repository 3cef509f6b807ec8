// Copyright (c) qaio authors. Licensed under the MIT license.
//
// asyncio's documentation example "Set signal handlers for SIGINT and SIGTERM", with qaio:
// both signals stop the loop. So that the example checks itself when run as a test, it
// sends itself SIGTERM once the loop runs (from a shell: kill -TERM <pid>, or Ctrl+C).
// https://docs.python.org/3/library/asyncio-eventloop.html#set-signal-handlers-for-sigint-and-sigterm
#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>

#include <csignal>
#include <cstdio>
#include <unistd.h>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    std::unique_ptr<qaio::EventLoop> loop = qaio::newEventLoop();

    const char *received = nullptr;
    const auto askExit = [&](const char *signame) {
        std::printf("got signal %s: exit\n", signame);
        std::fflush(stdout);
        received = signame;
        loop->stop();
    };
    loop->addSignalHandler(SIGINT, [&] { askExit("SIGINT"); });
    loop->addSignalHandler(SIGTERM, [&] { askExit("SIGTERM"); });

    std::printf("Event loop running for 1 hour, press Ctrl+C to interrupt.\n");
    std::printf("pid %d: send SIGINT or SIGTERM to exit.\n", int(::getpid()));
    std::fflush(stdout);
    loop->callLater(std::chrono::hours(1), [&] { loop->stop(); });
    loop->callSoon([] { ::kill(::getpid(), SIGTERM); }); // what `kill -TERM <pid>` would do

    loop->runForever();
    loop->close();
    return received ? 0 : 1;
}
