// Copyright (c) qaio authors. Licensed under the MIT license.
// The reactor (core/reactor.h, docs/architecture.md "The reactor"): readiness both ways,
// interest changes and removals while a batch is dispatched, no stale event for a reused
// descriptor number, descriptors closed behind the loop's back, 10,000 descriptors,
// hang-ups, regular files, a loop per thread, fork(), and Qt never starved by I/O.
//
// CTest runs this suite (and the whole `net` label) twice: with the platform's default
// reactor and with QAIO_REACTOR=qt, so both back-ends pass the same checks.
//
// "Does not fire" is proven without timing, as in tst_fdwatch: a witness descriptor that
// stays readable fires N times; every back-end reports all ready descriptors together.
#include "exceptionchecks.h"
#include "looptestcase.h"
#include "messagecapture.h"

#include <qaio/qaio.h>

#include <QtCore/QCoreApplication>
#include <QtCore/QTemporaryFile>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtTest/QtTest>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using qaio::ReactorBackend;
using qaio::Socket;

namespace {

/*! The back-end a default EventLoop should have, given QAIO_REACTOR. */
ReactorBackend expectedBackend()
{
    if (qEnvironmentVariable("QAIO_REACTOR") == QLatin1String("qt"))
        return ReactorBackend::Qt;
#if defined(__linux__)
    return ReactorBackend::Epoll;
#else
    return ReactorBackend::Kqueue;
#endif
}

bool kernelSet()
{
    return expectedBackend() != ReactorBackend::Qt;
}

/*! A raw descriptor pair, closed on destruction (numbers the test may close early). */
struct RawPair
{
    int fd[2] = {-1, -1};
    explicit RawPair(bool pipe = false)
    {
        const int rc = pipe ? ::pipe2(fd, O_CLOEXEC | O_NONBLOCK)
                            : ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd);
        if (rc != 0)
            qFatal("cannot make a descriptor pair: %s", strerror(errno));
    }
    ~RawPair()
    {
        closeEnd(0);
        closeEnd(1);
    }
    RawPair(const RawPair &) = delete;
    RawPair &operator=(const RawPair &) = delete;
    void closeEnd(int i)
    {
        if (fd[i] >= 0)
            ::close(fd[i]);
        fd[i] = -1;
    }
    void send(int i = 1) const
    {
        if (::write(fd[i], "x", 1) != 1)
            qFatal("write: %s", strerror(errno));
    }
};

/*! Fills the send buffer of \a fd until the kernel refuses more. */
void fillUntilFull(int fd)
{
    static const std::vector<char> chunk(65536, 'f');
    while (::write(fd, chunk.data(), chunk.size()) > 0) {
    }
}

class QuietProtocol : public qaio::Protocol
{
};

} // namespace

class tst_Reactor : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void defaultBackendFollowsTheEnvironment()
    {
        const qaio::ReactorStats stats = guard->loop().reactorStats();
        QCOMPARE(stats.backend, expectedBackend());
        QCOMPARE(stats.watchedDescriptors, std::size_t(0));
        QCOMPARE(qaio::reactorBackendName(stats.backend),
                 kernelSet() ? qaio::reactorBackendName(expectedBackend()) : "qt");
    }

    void backendChosenByTheConstructor()
    {
        {
            qaio::EventLoop qtLoop(ReactorBackend::Qt);
            QCOMPARE(qtLoop.reactorStats().backend, ReactorBackend::Qt);
        }
#if defined(__linux__)
        {
            qaio::EventLoop epollLoop(ReactorBackend::Epoll);
            QCOMPARE(epollLoop.reactorStats().backend, ReactorBackend::Epoll);
        }
        const QString message =
            qaiotest::messageOf<qaio::RuntimeError>([] { qaio::EventLoop kqueueLoop(ReactorBackend::Kqueue); });
        QCOMPARE(message, QStringLiteral("EventLoop(): reactor: kqueue is not available on this platform"));
#endif
    }

    void unknownEnvironmentValueWarnsAndUsesTheDefault()
    {
        const QByteArray saved = qgetenv("QAIO_REACTOR");
        qputenv("QAIO_REACTOR", "select");
        qaiotest::MessageCapture capture;
        ReactorBackend chosen;
        {
            qaio::EventLoop loop;
            chosen = loop.reactorStats().backend;
        }
        if (saved.isNull())
            qunsetenv("QAIO_REACTOR");
        else
            qputenv("QAIO_REACTOR", saved);
        QCOMPARE(capture.count(QtWarningMsg, QStringLiteral("QAIO_REACTOR=select: not a reactor of this platform")), 1);
#if defined(__linux__)
        QCOMPARE(chosen, ReactorBackend::Epoll);
#endif
    }

    void readinessInBothDirections()
    {
        auto &loop = guard->loop();
        RawPair pair;
        bool readable = false;
        bool writable = false;
        loop.addWriter(pair.fd[0], [&] {
            writable = true;
            loop.removeWriter(pair.fd[0]);
            pair.send(1); // now make the other direction ready
        });
        loop.addReader(pair.fd[0], [&] {
            readable = true;
            char c;
            QCOMPARE(::read(pair.fd[0], &c, 1), ssize_t(1));
            loop.removeReader(pair.fd[0]);
            loop.stop();
        });
        QCOMPARE(loop.reactorStats().watchedDescriptors, std::size_t(1));
        loop.runForever();
        QVERIFY(writable);
        QVERIFY(readable);
        const qaio::ReactorStats stats = loop.reactorStats();
        QCOMPARE(stats.watchedDescriptors, std::size_t(0));
        QVERIFY(stats.eventsDispatched >= 2);
        QVERIFY(stats.wakeups >= 1);
        QVERIFY(stats.wakeups <= stats.eventsDispatched);
    }

    void interestChangesWhileDispatching()
    {
        // A reader swaps itself for a writer, the writer swaps back, three times over:
        // each change made inside a callback takes effect for the next event.
        auto &loop = guard->loop();
        RawPair pair;
        std::vector<char> order;
        std::function<void()> onReadable;
        std::function<void()> onWritable = [&] {
            order.push_back('w');
            loop.removeWriter(pair.fd[0]);
            loop.addReader(pair.fd[0], onReadable);
        };
        onReadable = [&] {
            order.push_back('r');
            loop.removeReader(pair.fd[0]);
            if (order.size() >= 7) {
                loop.stop();
                return;
            }
            loop.addWriter(pair.fd[0], onWritable);
        };
        pair.send(1); // readable from now on: never read
        loop.addReader(pair.fd[0], onReadable);
        loop.runForever();
        QCOMPARE(QByteArray(order.data(), qsizetype(order.size())), QByteArray("rwrwrwr"));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void removalOfADescriptorReadyLaterInTheBatch()
    {
        // Both descriptors are ready in the same batch; whichever callback runs first
        // removes the other, which must then not run.
        auto &loop = guard->loop();
        RawPair a;
        RawPair b;
        int aCalls = 0;
        int bCalls = 0;
        loop.addReader(a.fd[0], [&] {
            ++aCalls;
            loop.removeReader(a.fd[0]);
            loop.removeReader(b.fd[0]);
            loop.stop();
        });
        loop.addReader(b.fd[0], [&] {
            ++bCalls;
            loop.removeReader(a.fd[0]);
            loop.removeReader(b.fd[0]);
            loop.stop();
        });
        a.send();
        b.send();
        loop.runForever();
        QCOMPARE(aCalls + bCalls, 1);
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void reusedDescriptorNumberGetsNoStaleEvent()
    {
        // The first callback of a batch closes the other ready descriptor and puts a new,
        // idle socket under the same number with a new reader: the old event must not
        // reach it. A witness that stays readable proves it for several passes.
        auto &loop = guard->loop();
        RawPair a;
        RawPair b;
        RawPair replacement;
        RawPair witness;
        int oldCalls = 0;
        int newCalls = 0;
        int witnessCalls = 0;
        int reused = -1;
        const auto takeOver = [&](RawPair &self, RawPair &other) {
            ++oldCalls;
            loop.removeReader(self.fd[0]);
            loop.removeReader(other.fd[0]);
            reused = other.fd[0];
            // The number of the closed descriptor now names the replacement socket.
            QVERIFY(::dup3(replacement.fd[0], reused, O_CLOEXEC) == reused);
            loop.addReader(reused, [&] {
                ++newCalls;
                loop.removeReader(reused);
                loop.stop();
            });
            loop.addReader(witness.fd[0], [&] {
                if (++witnessCalls == 5) {
                    loop.removeReader(witness.fd[0]);
                    loop.stop();
                }
            });
        };
        loop.addReader(a.fd[0], [&] { takeOver(a, b); });
        loop.addReader(b.fd[0], [&] { takeOver(b, a); });
        a.send();
        b.send();
        witness.send();
        loop.runForever();
        QCOMPARE(oldCalls, 1);
        QCOMPARE(witnessCalls, 5);
        QCOMPARE(newCalls, 0); // idle: no event of the old file reached it
        replacement.send(1);
        loop.runForever();
        QCOMPARE(newCalls, 1);
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void closedWithoutRemovalIsLoggedOnceAndDoesNotSpin()
    {
        auto &loop = guard->loop();
        qaiotest::MessageCapture capture;
        RawPair closed;
        RawPair witness;
        int closedCalls = 0;
        int witnessCalls = 0;
        const int number = closed.fd[0];
        loop.addReader(number, [&] { ++closedCalls; });
        closed.send();
        closed.closeEnd(0); // behind the loop's back
        witness.send();
        loop.addReader(witness.fd[0], [&] {
            if (++witnessCalls == 20) {
                loop.removeReader(witness.fd[0]);
                loop.stop();
            }
        });
        loop.runForever();
        QCOMPARE(witnessCalls, 20);
        QCOMPARE(closedCalls, 0);
        QVERIFY(loop.removeReader(number));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
        // One line says what happened: ours with a kernel set (at the removal), Qt's
        // ("Invalid socket") with notifiers.
        int lines = 0;
        for (const auto &m : capture.messages())
            lines += m.type == QtWarningMsg;
        QVERIFY2(lines <= 1, qPrintable(QStringLiteral("%1 warnings").arg(lines)));
        if (kernelSet())
            QCOMPARE(capture.count(QtWarningMsg, QStringLiteral("was closed while the event loop watched it")), 1);
    }

    void closedWhileADuplicateKeepsItsFileOpenDoesNotSpin()
    {
        // epoll tracks files: closing a watched descriptor whose file lives on in a
        // duplicate leaves a registration that no number can remove any more. Once that
        // file is readable, a level-triggered set would wake the loop forever.
        auto &loop = guard->loop();
        qaiotest::MessageCapture capture;
        RawPair pair;
        const int duplicate = ::dup(pair.fd[0]);
        QVERIFY(duplicate >= 0);
        const int number = pair.fd[0];
        int calls = 0;
        loop.addReader(number, [&] { ++calls; });
        pair.closeEnd(0);
        QVERIFY(loop.removeReader(number));
        pair.send(1); // the file behind the duplicate is readable from now on
        const std::uint64_t before = loop.reactorStats().wakeups;
        for (int i = 0; i < 10; ++i)
            QCoreApplication::processEvents();
        QVERIFY2(loop.reactorStats().wakeups - before <= 1,
                 qPrintable(QStringLiteral("%1 wake-ups").arg(loop.reactorStats().wakeups - before)));
        QCOMPARE(calls, 0);
        if (kernelSet())
            QCOMPARE(capture.count(QtWarningMsg, QStringLiteral("rebuilt the set")), 1);
        ::close(duplicate);
    }

    void replacingTheCallbackOfAReusedNumberWatchesTheNewFile()
    {
        // The first socket is closed without removeReader(); a new one gets its number and
        // addReader() replaces the callback: the new file must be the one watched.
        auto &loop = guard->loop();
        qaiotest::MessageCapture capture;
        RawPair first;
        const int number = first.fd[0];
        int oldCalls = 0;
        int newCalls = 0;
        loop.addReader(number, [&] { ++oldCalls; });
        first.closeEnd(0);
        RawPair second; // usually gets the freed number by itself
        const bool duplicated = second.fd[0] != number;
        if (duplicated)
            QVERIFY(::dup3(second.fd[0], number, O_CLOEXEC) == number);
        loop.addReader(number, [&] {
            ++newCalls;
            loop.removeReader(number);
            loop.stop();
        });
        second.send(1);
        loop.runForever();
        QCOMPARE(newCalls, 1);
        QCOMPARE(oldCalls, 0);
        if (duplicated)
            ::close(number);
    }

    void watchingAClosedDescriptorThrows()
    {
        auto &loop = guard->loop();
        int number;
        {
            RawPair pair;
            number = pair.fd[0];
        }
        try {
            loop.addReader(number, [] {});
            QFAIL("addReader() accepted a closed descriptor");
        } catch (const qaio::OSError &e) {
            QCOMPARE(e.errorCode(), EBADF);
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("file descriptor %1").arg(number)), e.what());
        }
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
        QCOMPARE(loop.reactorStats().watchedDescriptors, std::size_t(0));
    }

    void tenThousandDescriptors()
    {
        auto &loop = guard->loop();
        constexpr int kPairs = 5000;
        std::vector<std::unique_ptr<RawPair>> pairs;
        pairs.reserve(kPairs);
        for (int i = 0; i < kPairs; ++i)
            pairs.push_back(std::make_unique<RawPair>());
        std::vector<int> calls(kPairs, 0);
        for (int i = 0; i < kPairs; ++i) {
            loop.addReader(pairs[i]->fd[0], [&, i] { ++calls[i]; });
            loop.addReader(pairs[i]->fd[1], [&, i] { calls[i] += 1000; });
        }
        QCOMPARE(loop.reactorStats().watchedDescriptors, std::size_t(2 * kPairs));
        const std::vector<int> ready{0, 1, 999, 2500, 4999};
        int pending = int(ready.size());
        for (int i : ready) {
            loop.addReader(pairs[i]->fd[0], [&, i] {
                ++calls[i];
                char c;
                QCOMPARE(::read(pairs[i]->fd[0], &c, 1), ssize_t(1));
                if (--pending == 0)
                    loop.stop();
            });
            pairs[i]->send(1);
        }
        loop.runForever();
        for (int i = 0; i < kPairs; ++i)
            QCOMPARE(calls[i], std::count(ready.begin(), ready.end(), i) ? 1 : 0);
        for (int i = 0; i < kPairs; ++i) {
            QVERIFY(loop.removeReader(pairs[i]->fd[0]));
            QVERIFY(loop.removeReader(pairs[i]->fd[1]));
        }
        QCOMPARE(loop.reactorStats().watchedDescriptors, std::size_t(0));
    }

    void hangUpReachesReaderAndWriter()
    {
        auto &loop = guard->loop();
        // A socket whose peer goes away: both its reader and its writer are woken.
        RawPair sockets;
        fillUntilFull(sockets.fd[0]);
        bool readerWoken = false;
        bool writerWoken = false;
        const auto maybeStop = [&] {
            if (readerWoken && writerWoken)
                loop.stop();
        };
        loop.addReader(sockets.fd[0], [&] {
            readerWoken = true;
            loop.removeReader(sockets.fd[0]);
            maybeStop();
        });
        loop.addWriter(sockets.fd[0], [&] {
            writerWoken = true;
            loop.removeWriter(sockets.fd[0]);
            maybeStop();
        });
        sockets.closeEnd(1);
        loop.runForever();
        QVERIFY(readerWoken);
        QVERIFY(writerWoken);

        // A pipe whose writer closes: a hang-up without data (EPOLLHUP, no EPOLLIN).
        RawPair pipe(true);
        bool endOfFile = false;
        loop.addReader(pipe.fd[0], [&] {
            char c;
            endOfFile = ::read(pipe.fd[0], &c, 1) == 0;
            loop.removeReader(pipe.fd[0]);
            loop.stop();
        });
        pipe.closeEnd(1);
        loop.runForever();
        QVERIFY(endOfFile);

        // A full pipe whose reader closes: an error for the writer (EPOLLERR).
        RawPair full(true);
        fillUntilFull(full.fd[1]);
        bool writerOfBrokenPipe = false;
        loop.addWriter(full.fd[1], [&] {
            writerOfBrokenPipe = true;
            loop.removeWriter(full.fd[1]);
            loop.stop();
        });
        full.closeEnd(0);
        loop.runForever();
        QVERIFY(writerOfBrokenPipe);
    }

    void regularFileIsAlwaysReadable()
    {
        auto &loop = guard->loop();
        QTemporaryFile file;
        QVERIFY(file.open());
        QCOMPARE(file.write("content"), qint64(7));
        QVERIFY(file.flush());
        const int fd = int(file.handle());
        int calls = 0;
        loop.addReader(fd, [&] {
            if (++calls == 3) {
                loop.removeReader(fd);
                loop.stop();
            }
        });
        const qaio::ReactorStats stats = loop.reactorStats();
        QCOMPARE(stats.watchedDescriptors, std::size_t(1));
        QCOMPARE(stats.fallbackDescriptors, std::size_t(kernelSet() ? 1 : 0));
        loop.runForever();
        QCOMPARE(calls, 3);
        QCOMPARE(loop.reactorStats().watchedDescriptors, std::size_t(0));
        QCOMPARE(loop.reactorStats().fallbackDescriptors, std::size_t(0));
    }

    void eachThreadsLoopHasItsOwnReactor()
    {
        constexpr int kThreads = 3;
        std::vector<int> fired(kThreads, 0);
        std::vector<std::size_t> watched(kThreads, 0);
        std::vector<ReactorBackend> backends(kThreads, ReactorBackend::Default);
        std::vector<std::unique_ptr<QThread>> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back(QThread::create([&, t] {
                qaio::EventLoop loop;
                RawPair pair;
                loop.addReader(pair.fd[0], [&] {
                    ++fired[t];
                    watched[t] = loop.reactorStats().watchedDescriptors;
                    loop.removeReader(pair.fd[0]);
                    loop.stop();
                });
                pair.send(1);
                loop.runForever();
                backends[t] = loop.reactorStats().backend;
                loop.close();
            }));
            threads.back()->start();
        }
        for (auto &thread : threads)
            QVERIFY(thread->wait());
        for (int t = 0; t < kThreads; ++t) {
            QCOMPARE(fired[t], 1);
            QCOMPARE(watched[t], std::size_t(1)); // its own descriptor only
            QCOMPARE(backends[t], expectedBackend());
        }
    }

    void forkedChildUsesANewLoopAndLeavesTheParentsAlone()
    {
        auto &loop = guard->loop();
        RawPair pair;
        int fired = 0;
        loop.addReader(pair.fd[0], [&] {
            ++fired;
            char c;
            QCOMPARE(::read(pair.fd[0], &c, 1), ssize_t(1));
            loop.stop();
        });
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            ::alarm(30); // a hang in the child ends it
            int code = 0;
            // The inherited loop must not change the parent's kernel set.
            if (!loop.removeReader(pair.fd[0]))
                code = 1;
            if (kernelSet()) {
                try {
                    loop.addReader(pair.fd[0], [] {});
                    code = 2;
                } catch (const qaio::RuntimeError &e) {
                    if (!QString::fromUtf8(e.what()).contains(QStringLiteral("create a new loop in the child process")))
                        code = 3;
                }
            }
            {
                qaio::EventLoop fresh;
                RawPair own;
                bool got = false;
                fresh.addReader(own.fd[0], [&] {
                    got = true;
                    fresh.removeReader(own.fd[0]);
                    fresh.stop();
                });
                own.send(1);
                fresh.runForever();
                if (!got)
                    code = 4;
                fresh.close();
            }
            ::_exit(code);
        }
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status));
        QCOMPARE(WEXITSTATUS(status), 0);
        // The parent's registration is intact: its reader still fires.
        pair.send(1);
        loop.runForever();
        QCOMPARE(fired, 1);
        QVERIFY(loop.removeReader(pair.fd[0]));
    }

    void closingTheLoopLeaksNoDescriptor()
    {
        const int before = LoopGuard::openFdCount();
        {
            qaio::EventLoop loop;
            RawPair pair;
            loop.addReader(pair.fd[0], [] {});
            loop.addWriter(pair.fd[1], [] {});
            loop.close();
        }
        QCOMPARE(LoopGuard::openFdCount(), before);
    }

    void ioStormDoesNotStarveQt()
    {
        // 600 descriptors stay readable (never read): more than one batch each time. Qt's
        // own timer must still fire while the storm goes on.
        auto &loop = guard->loop();
        constexpr int kPairs = 600;
        constexpr long kLimit = 5'000'000; // reaching it means Qt was starved
        std::vector<std::unique_ptr<RawPair>> pairs;
        long storm = 0;
        bool timerFired = false;
        for (int i = 0; i < kPairs; ++i) {
            pairs.push_back(std::make_unique<RawPair>());
            pairs.back()->send(1);
            loop.addReader(pairs.back()->fd[0], [&] {
                if (timerFired || ++storm >= kLimit)
                    loop.stop();
            });
        }
        QTimer::singleShot(0, [&] { timerFired = true; });
        loop.runForever();
        QVERIFY2(storm < kLimit, "the I/O storm starved Qt's timers");
        QVERIFY(timerFired);
        for (auto &pair : pairs)
            loop.removeReader(pair->fd[0]);
    }

    void aTransportWritingAtOnceChangesNoInterest()
    {
        auto &loop = guard->loop();
        auto [mine, peer] = Socket::pair();
        auto connection = loop.runUntilComplete(
            loop.connectAcceptedSocket([] { return std::make_unique<QuietProtocol>(); }, std::move(mine)));
        const std::uint64_t before = loop.reactorStats().interestChanges;
        for (int i = 0; i < 100; ++i)
            connection.transport->write("message\n");
        QCOMPARE(loop.reactorStats().interestChanges, before);
        QCOMPARE(connection.transport->writeBufferSize(), qsizetype(0));
        connection.transport->close();
        QByteArray received;
        while (received.size() < 800) {
            const QByteArray part = peer.recv(4096);
            QVERIFY(!part.isEmpty());
            received += part;
        }
        loop.callSoon([&] { loop.stop(); }); // after connectionLost(), scheduled by close()
        loop.runForever();
    }
};

QTEST_GUILESS_MAIN(tst_Reactor)
#include "tst_reactor.moc"
