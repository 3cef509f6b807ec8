// Copyright (c) qaio authors. Licensed under the MIT license.
// addReader / removeReader / addWriter / removeWriter (asyncio's add_reader() family):
// level-triggered readiness, self-removal and replacement while running, errors.
//
// "Does not fire" is proven without timing: a second, always-readable descriptor is
// watched too, and Qt's dispatcher reports every ready descriptor in each poll. While the
// witness fires N times, a still-registered callback on the other ready fd would fire too.
#include "looptestcase.h"
#include "netsock_helpers.h"

#include <QtCore/QEventLoop>
#include <QtTest/QtTest>

#include <stdexcept>
#include <thread>

using qaio::Socket;

class tst_FdWatch : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void readerFiresWhenDataArrivesAndUntilRemoved()
    {
        auto &loop = guard->loop();
        auto sockets = Socket::pair();
        Socket &r = sockets.first;
        Socket &w = sockets.second;
        const qintptr fd = r.fileno();
        int calls = 0;
        bool wasRunningLoop = false;
        loop.addReader(fd, [&] {
            // Never reads: readiness is level-triggered, so it keeps firing.
            ++calls;
            wasRunningLoop = qaio::runningLoopOrNull() == &loop;
            if (calls == 3) {
                QVERIFY(loop.removeReader(fd));
                loop.stop();
            }
        });
        QCOMPARE(loop.watchedFdCount(), std::size_t(1));
        loop.callSoon([&] { w.send("x"); });
        loop.runForever();
        QCOMPARE(calls, 3);
        QVERIFY(wasRunningLoop);
        QCOMPARE(r.recv(10), QByteArray("x")); // the data was left alone
        QVERIFY(!loop.removeReader(fd));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void readerDoesNotFireWithoutData()
    {
        auto &loop = guard->loop();
        auto idlePair = Socket::pair();
        Socket &idle = idlePair.first;
        auto busyPair = Socket::pair();
        Socket &busy = busyPair.first;
        Socket &busyPeer = busyPair.second;
        int idleCalls = 0;
        int witnessCalls = 0;
        loop.addReader(idle.fileno(), [&] { ++idleCalls; });
        loop.addReader(busy.fileno(), [&] {
            if (++witnessCalls == 3) {
                loop.removeReader(busy.fileno());
                loop.stop();
            }
        });
        busyPeer.send("x");
        loop.runForever();
        QCOMPARE(witnessCalls, 3);
        QCOMPARE(idleCalls, 0);
        QVERIFY(loop.removeReader(idle.fileno()));
    }

    void removeReturnsWhetherSomethingWasRemoved()
    {
        auto &loop = guard->loop();
        auto sockets = Socket::pair();
        Socket &a = sockets.first;
        QVERIFY(!loop.removeReader(a.fileno())); // never registered
        QVERIFY(!loop.removeWriter(a.fileno()));
        loop.addReader(a.fileno(), [] {});
        QVERIFY(!loop.removeWriter(a.fileno())); // only a reader is there
        QVERIFY(loop.removeReader(a.fileno()));
        QVERIFY(!loop.removeReader(a.fileno()));
        loop.addWriter(a.fileno(), [] {});
        QVERIFY(!loop.removeReader(a.fileno()));
        QVERIFY(loop.removeWriter(a.fileno()));
        QVERIFY(!loop.removeWriter(a.fileno()));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void writerFiresOnWritableSocket()
    {
        auto &loop = guard->loop();
        auto sockets = Socket::pair();
        Socket &a = sockets.first;
        Socket &b = sockets.second;
        int calls = 0;
        loop.addWriter(a.fileno(), [&] {
            ++calls;
            a.send("from the writer");
            QVERIFY(loop.removeWriter(a.fileno()));
            loop.stop();
        });
        loop.runForever();
        QCOMPARE(calls, 1);
        QCOMPARE(b.recv(100), QByteArray("from the writer"));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void readerAndWriterOfOneFdAreIndependent()
    {
        auto &loop = guard->loop();
        auto sockets = Socket::pair();
        Socket &a = sockets.first;
        Socket &b = sockets.second;
        int reads = 0;
        int writes = 0;
        loop.addWriter(a.fileno(), [&] {
            ++writes;
            loop.removeWriter(a.fileno());
            b.send("ping"); // makes `a` readable
        });
        loop.addReader(a.fileno(), [&] {
            ++reads;
            QCOMPARE(a.recv(100), QByteArray("ping"));
            loop.removeReader(a.fileno());
            loop.stop();
        });
        loop.runForever();
        QCOMPARE(writes, 1);
        QCOMPARE(reads, 1);
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void addReaderReplacesTheEarlierOne()
    {
        auto &loop = guard->loop();
        auto sockets = Socket::pair();
        Socket &r = sockets.first;
        Socket &w = sockets.second;
        int first = 0;
        int second = 0;
        loop.addReader(r.fileno(), [&] { ++first; });
        loop.addReader(r.fileno(), [&] {
            ++second;
            if (second == 2) {
                loop.removeReader(r.fileno());
                loop.stop();
            }
        });
        QCOMPARE(loop.watchedFdCount(), std::size_t(1));
        w.send("x");
        loop.runForever();
        QCOMPARE(first, 0);
        QCOMPARE(second, 2);
    }

    void readerRemovingItselfWhileRunning()
    {
        auto &loop = guard->loop();
        auto sockets = Socket::pair();
        Socket &r = sockets.first;
        Socket &w = sockets.second;
        auto witnessPair = Socket::pair();
        Socket &witness = witnessPair.first;
        Socket &witnessPeer = witnessPair.second;
        int calls = 0;
        bool removed = false;
        loop.addReader(r.fileno(), [&] {
            ++calls;
            removed = loop.removeReader(r.fileno()); // data stays unread: r stays ready
        });
        int witnessCalls = 0;
        loop.addReader(witness.fileno(), [&] {
            if (++witnessCalls == 4) {
                loop.removeReader(witness.fileno());
                loop.stop();
            }
        });
        w.send("x");
        witnessPeer.send("y");
        loop.runForever();
        QCOMPARE(witnessCalls, 4);
        QCOMPARE(calls, 1);
        QVERIFY(removed);
        QVERIFY(!loop.removeReader(r.fileno()));
        // The watcher that removed its last callback while running is dropped as well.
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void readerReplacingItselfWhileRunning()
    {
        auto &loop = guard->loop();
        auto sockets = Socket::pair();
        Socket &r = sockets.first;
        Socket &w = sockets.second;
        int firstCalls = 0;
        int secondCalls = 0;
        loop.addReader(r.fileno(), [&] {
            ++firstCalls;
            loop.addReader(r.fileno(), [&] {
                if (++secondCalls == 2) {
                    loop.removeReader(r.fileno());
                    loop.stop();
                }
            });
        });
        w.send("x");
        loop.runForever();
        QCOMPARE(firstCalls, 1);
        QCOMPARE(secondCalls, 2);
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void readerRemovingThenReAddingWhileRunning()
    {
        auto &loop = guard->loop();
        auto sockets = Socket::pair();
        Socket &r = sockets.first;
        Socket &w = sockets.second;
        int firstCalls = 0;
        int secondCalls = 0;
        loop.addReader(r.fileno(), [&] {
            ++firstCalls;
            QVERIFY(loop.removeReader(r.fileno()));
            loop.addReader(r.fileno(), [&] {
                ++secondCalls;
                QCOMPARE(r.recv(10), QByteArray("x"));
                QVERIFY(loop.removeReader(r.fileno()));
                loop.stop();
            });
        });
        w.send("x");
        loop.runForever();
        QCOMPARE(firstCalls, 1);
        QCOMPARE(secondCalls, 1);
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void exceptionInReaderGoesToHandlerAndLoopContinues()
    {
        auto &loop = guard->loop();
        auto sockets = Socket::pair();
        Socket &r = sockets.first;
        Socket &w = sockets.second;
        guard->expectException(QStringLiteral("Exception in a file descriptor callback"));
        int calls = 0;
        loop.addReader(r.fileno(), [&] {
            ++calls;
            if (calls == 1)
                throw std::runtime_error("reader boom");
            loop.removeReader(r.fileno());
            loop.stop();
        });
        w.send("x");
        loop.runForever();
        QCOMPARE(calls, 2);
        QCOMPARE(guard->handlerCalls().size(), std::size_t(1));
        const qaio::ExceptionContext &context = guard->handlerCalls().front();
        QVERIFY(context.exception);
        QVERIFY(qaio::describeException(context.exception).contains(QStringLiteral("reader boom")));
    }

    void readerRunsUnderAPlainQtLoop()
    {
        // No runForever(): any Qt loop of the thread serves the fd, with the loop current.
        auto &loop = guard->loop();
        auto sockets = Socket::pair();
        Socket &r = sockets.first;
        Socket &w = sockets.second;
        QEventLoop qtLoop;
        QByteArray got;
        bool wasRunningLoop = false;
        loop.addReader(r.fileno(), [&] {
            got = r.recv(10);
            wasRunningLoop = qaio::runningLoopOrNull() == &loop && loop.isRunning();
            loop.removeReader(r.fileno());
            qtLoop.quit();
        });
        w.send("qt");
        qtLoop.exec();
        QCOMPARE(got, QByteArray("qt"));
        QVERIFY(wasRunningLoop);
        QVERIFY(!loop.isRunning());
    }

    void closeDropsWatchersAndRefusesNewOnes()
    {
        auto &loop = guard->loop();
        auto sockets = Socket::pair();
        Socket &r = sockets.first;
        Socket &w = sockets.second;
        loop.addReader(r.fileno(), [] {});
        loop.addWriter(w.fileno(), [] {});
        loop.close();
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.addReader(r.fileno(), [] {}));
        QVERIFY_THROWS_EXCEPTION(qaio::RuntimeError, loop.addWriter(w.fileno(), [] {}));
        QVERIFY(!loop.removeReader(r.fileno())); // asyncio: False on a closed loop
        QVERIFY(!loop.removeWriter(w.fileno()));
    }

    void argumentErrors()
    {
        auto &loop = guard->loop();
        try {
            loop.addReader(-1, [] {});
            QFAIL("a negative fd must throw");
        } catch (const qaio::ValueError &e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("fd")), e.what());
        }
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.addWriter(-5, [] {}));
        auto sockets = Socket::pair();
        Socket &a = sockets.first;
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.addReader(a.fileno(), nullptr));
        QVERIFY_THROWS_EXCEPTION(qaio::ValueError, loop.addWriter(a.fileno(), std::function<void()>()));
        QVERIFY(!loop.removeReader(-1));
        QCOMPARE(loop.watchedFdCount(), std::size_t(0));
    }

    void otherThreadIsRefused()
    {
        auto &loop = guard->loop();
        auto sockets = Socket::pair();
        Socket &a = sockets.first;
        Socket &b = sockets.second;
        loop.addReader(a.fileno(), [] {});
        bool addThrew = false;
        bool removeThrew = false;
        std::thread other([&] {
            try {
                loop.addReader(b.fileno(), [] {});
            } catch (const qaio::RuntimeError &) {
                addThrew = true;
            }
            try {
                loop.removeReader(a.fileno());
            } catch (const qaio::RuntimeError &) {
                removeThrew = true;
            }
        });
        other.join();
        QVERIFY(addThrew);
        QVERIFY(removeThrew);
        QVERIFY(loop.removeReader(a.fileno())); // still registered, from the owner thread
        QVERIFY(!loop.removeReader(b.fileno()));
    }
};

QTEST_GUILESS_MAIN(tst_FdWatch)
#include "tst_fdwatch.moc"
