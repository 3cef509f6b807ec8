// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

// Starting, watching, signalling and reaping child processes, for the subprocess
// transport. POSIX: platform/posix/spawn_posix.cpp (posix_spawn, never a fork() of the
// whole application; Linux pidfds). Failures come back as error numbers.

#include <QtCore/QByteArray>
#include <QtCore/QList>

#include <optional>
#include <vector>

namespace qaio::detail::sys {

/*! One descriptor a child is given: its number \a child in the child, taken from the
    parent's \a parent. */
struct ChildDescriptor
{
    int child = -1;
    qintptr parent = -1;
};

struct SpawnRequest
{
    QByteArray program;                           // a path, or a name looked up in PATH
    QList<QByteArray> arguments;                  // argv, argv[0] included
    std::optional<QList<QByteArray>> environment; // "NAME=value" entries; unset: ours
    QByteArray workingDirectory;                  // empty: ours
    std::vector<ChildDescriptor> descriptors;     // every descriptor the child gets
    bool newSession = false;                      // setsid()
    std::optional<qint64> processGroup;           // setpgid(0, group): 0 makes a new group
};

/*! Starts the program of \a request: 0 with \a pid set, or the error number (ENOENT when
    the program is not found, EACCES when it cannot be executed, ...), reported by
    posix_spawn() itself, never as an exit code of the child. The child starts with an
    empty signal mask and SIGPIPE / SIGXFSZ at their default (as Python's
    restore_signals); it gets the descriptors listed and no other (where the system has
    no closefrom action, descriptors above the highest listed rely on close-on-exec,
    which qaio and Qt set). */
int spawnProcess(const SpawnRequest &request, qint64 &pid) noexcept;

/*! How the loop learns that a child has exited. */
enum class ChildWatch {
    ProcessHandle, // Linux: a pidfd, readable once the child has exited
    ChildSignal,   // elsewhere: the process-wide SIGCHLD handler wakes a pipe per child
};

/*! Whether this system gives process handles (pidfd_open() works: Linux 5.3 or later, not
    forbidden by a seccomp filter); probed once. */
bool processHandlesAvailable() noexcept;

/*! A descriptor that turns readable once the child \a pid has exited, watched \a how:
    its pidfd, or the read end of a pipe that the SIGCHLD handler writes to. That handler
    is installed once, for the rest of the process; it chains to the disposition installed
    before it (Qt's QProcess keeps its children) and only looks at the children registered
    here, with waitid(WNOWAIT): it reaps nothing, and never waits for any pid but these.
    -1 with \a error set on failure (ENOSYS: no process handles here). */
qintptr openExitNotifier(qint64 pid, ChildWatch how, int &error) noexcept;

/*! Empties \a notifier after a wake-up that was not its child's exit (the SIGCHLD of
    another child reused the list node of an earlier one). */
void clearExitNotifier(qintptr notifier) noexcept;

/*! Closes a descriptor of openExitNotifier() (and forgets its child). */
void closeExitNotifier(qintptr notifier) noexcept;

/*! Reaps the child \a pid if it has exited (waitpid(pid, WNOHANG), only that pid): true
    with \a returnCode set to its exit status or minus the signal that killed it (as
    Python's returncode); false while it runs, or with \a error set on failure (ECHILD:
    someone else reaped it). With \a block, waits for the exit. */
bool reapProcess(qint64 pid, int &returnCode, int &error, bool block = false) noexcept;
/*! This process's id. */
qint64 currentProcessId() noexcept;
/*! /dev/null opened for reading and writing, close-on-exec; -1 with \a error set. */
qintptr openNullDevice(int &error) noexcept;
/*! The error of a signal to a process that no longer exists (ESRCH). */
int noSuchProcessError() noexcept;

/*! kill(pid, signum): 0 or the error (ESRCH: no such process). */
int signalProcess(qint64 pid, int signum) noexcept;

int killSignal() noexcept;      // SIGKILL
int terminateSignal() noexcept; // SIGTERM
int childSignal() noexcept;     // SIGCHLD

} // namespace qaio::detail::sys
