// Copyright (c) qaio authors. Licensed under the MIT license.
// Nested Qt loops started from every entry point through which Qt calls into qaio: the
// posted ready wake (callSoon), the inbox wake (callSoonThreadsafe from another thread),
// the timer event (callLater), notifier activation (addReader), and a task's step.
// Whatever callback opens the nested loop (a QEventLoop, or a real QDialog::exec() on the
// offscreen platform), the rest of qaio keeps being served inside it: timers and a
// sleeping task, ready callbacks, threadsafe callbacks, fd readiness; the task whose step
// opened it is not re-entered, and the descriptor whose callback opened it does not spin.
#include "looptestcase.h"

#include <QtCore/QEventLoop>
#include <QtCore/QPointer>
#include <QtCore/QTimer>
#include <QtTest/QtTest>
#include <QtWidgets/QApplication>
#include <QtWidgets/QDialog>

#include <thread>

using namespace std::chrono_literals;

namespace {

enum class EntryPoint { ReadyWake, InboxWake, TimerEvent, FdReadiness, TaskStep };
enum class NestedKind { EventLoop, Dialog };

// Counts the socket-notifier activations Qt delivers: a descriptor whose callback is
// still running must not be reported again and again while its nested loop runs.
class ActivationCounter final : public QObject
{
public:
    int count = 0;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::SockAct)
            ++count;
        return QObject::eventFilter(watched, event);
    }
};

qaio::Coro<void> sleepThenMark(std::function<void()> mark, qaio::Duration delay)
{
    co_await qaio::sleep(delay);
    mark();
}

/*
    Opens a nested Qt loop from inside the callback that calls run(), and arms one probe
    per kind of work the loop must keep serving inside it. The nested loop ends when every
    probe has reported, or when a Qt watchdog timer (independent of qaio) gives up.
*/
class NestedRun
{
public:
    NestedRun(qaio::EventLoop &loop, NestedKind kind) : m_loop(loop), m_kind(kind) {}
    // A failed run leaves probes scheduled: none may outlive this object.
    ~NestedRun()
    {
        if (m_producer.joinable()) {
            m_producer.join();
            m_handles.push_back(m_threadsafe);
        }
        for (qaio::Handle &h : m_handles)
            h.cancel();
        if (m_sleeper.isValid() && !m_sleeper.done())
            m_sleeper.cancel();
        if (m_pair.first.isValid() && !m_loop.isClosed())
            m_loop.removeReader(m_pair.first.fileno());
    }

    /*! Work scheduled before the entry callback runs: a timer and a sleeping task whose
        deadlines are still ahead when the nested loop opens. */
    void armBefore()
    {
        m_handles.push_back(m_loop.callLater(20ms, [this] { mark(QStringLiteral("timer armed before")); }));
        m_sleeper = m_loop.createTask(sleepThenMark([this] { mark(QStringLiteral("sleep started before")); }, 20ms));
    }

    void run()
    {
        QEventLoop eventLoop;
        QDialog dialog;
        m_quit = m_kind == NestedKind::Dialog ? std::function<void()>([&dialog] { dialog.done(0); })
                                              : std::function<void()>([&eventLoop] { eventLoop.quit(); });
        QTimer watchdog;
        watchdog.setSingleShot(true);
        QObject::connect(&watchdog, &QTimer::timeout, [this] {
            m_watchdogFired = true;
            m_quit();
        });
        watchdog.start(30s);

        // Nothing else is scheduled until the timer armed before has fired inside the
        // nested loop: any activity would re-arm Qt's timer and hide a loop that forgot to.
        m_open = true;
        if (m_served.contains(QStringLiteral("timer armed before")))
            armInside(); // a loaded machine ran the entry late: the deadline had passed
        ActivationCounter counter;
        QCoreApplication::instance()->installEventFilter(&counter);
        if (m_kind == NestedKind::Dialog)
            dialog.exec();
        else
            eventLoop.exec();
        QCoreApplication::instance()->removeEventFilter(&counter);
        m_activations = counter.count;
        m_quit = nullptr;
        m_open = false;
        m_finished = true;
    }

    QStringList missing() const
    {
        QStringList all{"timer armed before", "sleep started before", "ready", "threadsafe", "fd"};
        QStringList result;
        for (const QString &probe : all) {
            if (!m_served.contains(probe))
                result << probe;
        }
        return result;
    }
    bool finished() const { return m_finished; }
    bool watchdogFired() const { return m_watchdogFired; }
    int activations() const { return m_activations; }
    qaio::Task<void> sleeper() const { return m_sleeper; }

private:
    // The rest of the work, scheduled from inside the nested loop once the earlier
    // deadline was served there. No timer is scheduled from here on either.
    void armInside()
    {
        m_handles.push_back(m_loop.callSoon([this] { mark(QStringLiteral("ready")); }));
        m_producer = std::thread([this] { m_threadsafe = m_loop.callSoonThreadsafe([this] { mark(QStringLiteral("threadsafe")); }); });
        m_pair = qaio::Socket::pair();
        m_pair.first.setBlocking(false);
        m_pair.second.send("x");
        m_loop.addReader(m_pair.first.fileno(), [this] {
            m_pair.first.recv(1);
            m_loop.removeReader(m_pair.first.fileno());
            mark(QStringLiteral("fd"));
        });
    }

    void mark(const QString &probe)
    {
        m_served << probe;
        if (probe == QLatin1String("timer armed before") && m_open)
            armInside();
        if (missing().isEmpty() && m_quit)
            m_quit();
    }

    qaio::EventLoop &m_loop;
    NestedKind m_kind;
    std::function<void()> m_quit;
    QStringList m_served;
    qaio::Task<void> m_sleeper;
    std::vector<qaio::Handle> m_handles;
    qaio::Handle m_threadsafe; // written by m_producer, read after joining it
    std::thread m_producer;
    std::pair<qaio::Socket, qaio::Socket> m_pair;
    int m_activations = 0;
    bool m_open = false; // the nested loop runs
    bool m_watchdogFired = false;
    bool m_finished = false;
};

qaio::Coro<void> stepThatNests(NestedRun *nested, QStringList *log)
{
    *log << QStringLiteral("before");
    nested->run();
    *log << QStringLiteral("after nested");
    co_await qaio::sleep(0s);
    *log << QStringLiteral("next step");
}

} // namespace

class tst_NestedLoops : public LoopTestCase
{
    Q_OBJECT

private Q_SLOTS:
    void everythingKeepsRunningInsideNestedLoop_data()
    {
        QTest::addColumn<int>("entryValue");
        QTest::addColumn<int>("kindValue");
        const std::pair<const char *, EntryPoint> entries[] = {
            {"ready wake", EntryPoint::ReadyWake},     {"inbox wake", EntryPoint::InboxWake},
            {"timer event", EntryPoint::TimerEvent},   {"fd readiness", EntryPoint::FdReadiness},
            {"task step", EntryPoint::TaskStep},
        };
        for (const auto &[name, entry] : entries) {
            QTest::addRow("%s, QEventLoop", name) << int(entry) << int(NestedKind::EventLoop);
            QTest::addRow("%s, QDialog::exec", name) << int(entry) << int(NestedKind::Dialog);
        }
    }

    void everythingKeepsRunningInsideNestedLoop()
    {
        QFETCH(int, entryValue);
        QFETCH(int, kindValue);
        const auto entry = EntryPoint(entryValue);
        const auto kind = NestedKind(kindValue);
        auto &loop = guard->loop();
        NestedRun nested(loop, kind);
        QStringList stepLog;
        qaio::Task<void> nestingTask;
        std::pair<qaio::Socket, qaio::Socket> entryPair;
        std::thread producer;

        nested.armBefore();
        switch (entry) {
        case EntryPoint::ReadyWake:
            loop.callSoon([&] { nested.run(); });
            break;
        case EntryPoint::InboxWake:
            // Started from inside the run so the loop is idle in Qt when the wake arrives.
            loop.callSoon([&] {
                producer = std::thread([&] { loop.callSoonThreadsafe([&] { nested.run(); }); });
            });
            break;
        case EntryPoint::TimerEvent:
            loop.callLater(1ms, [&] { nested.run(); });
            break;
        case EntryPoint::FdReadiness:
            // The callback leaves its byte unread while the nested loop runs: its
            // descriptor stays readable, and must not be reported over and over.
            entryPair = qaio::Socket::pair();
            entryPair.first.setBlocking(false);
            entryPair.second.send("y");
            loop.addReader(entryPair.first.fileno(), [&] {
                nested.run();
                entryPair.first.recv(1);
                loop.removeReader(entryPair.first.fileno());
            });
            break;
        case EntryPoint::TaskStep:
            nestingTask = loop.createTask(stepThatNests(&nested, &stepLog));
            break;
        }

        // Plain Qt drives qaio here, as app.exec() does in a GUI.
        while (!nested.finished())
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        if (producer.joinable())
            producer.join();
        QVERIFY2(!nested.watchdogFired(), qPrintable(QStringLiteral("not served inside the nested loop: ") + nested.missing().join(", ")));
        QVERIFY(nested.missing().isEmpty());
        // The entry callback's own descriptor: at most a stray report, never a busy loop.
        QVERIFY2(nested.activations() <= 8, qPrintable(QString::number(nested.activations())));
        loop.runUntilComplete(qaio::Future<void>(nested.sleeper()));
        if (entry == EntryPoint::TaskStep) {
            loop.runUntilComplete(qaio::Future<void>(nestingTask));
            QCOMPARE(stepLog, (QStringList{"before", "after nested", "next step"}));
        }
    }
};

QTEST_MAIN(tst_NestedLoops)
#include "tst_nestedloops.moc"
