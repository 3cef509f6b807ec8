// Copyright (c) qaio authors. Licensed under the MIT license.
// Child processes on POSIX: posix_spawn() (glibc runs it as clone(CLONE_VM|CLONE_VFORK):
// no copy of a large GUI process, and an exec failure comes back as its return value),
// waitpid() of one pid at a time. Watching for the exit: childexitwatch_posix.cpp.
#include <qaio/platform/spawn_p.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif

extern char **environ;

namespace qaio::detail::sys {

namespace {

// What execvp() would run for \a name with \a path (a PATH value), as CPython's
// subprocess does with the child's own PATH. ENOENT if nothing is found, EACCES if only
// files that cannot be executed are.
int findExecutable(const QByteArray &name, const QByteArray &path, QByteArray &found)
{
    if (name.contains('/')) {
        found = name;
        return 0;
    }
    int error = ENOENT;
    for (const QByteArray &dir : path.split(':')) {
        const QByteArray candidate = (dir.isEmpty() ? QByteArray(".") : dir) + '/' + name;
        struct stat info{};
        if (::stat(candidate.constData(), &info) != 0 || S_ISDIR(info.st_mode))
            continue;
        if (::access(candidate.constData(), X_OK) == 0) {
            found = candidate;
            return 0;
        }
        error = EACCES;
    }
    return error;
}

QByteArray pathOf(const std::optional<QList<QByteArray>> &environment)
{
    if (environment) {
        for (const QByteArray &entry : *environment)
            if (entry.startsWith("PATH="))
                return entry.mid(5);
        return QByteArray("/bin:/usr/bin"); // what execvp() uses without PATH
    }
    const char *path = ::getenv("PATH");
    return path ? QByteArray(path) : QByteArray("/bin:/usr/bin");
}

struct FileActions
{
    posix_spawn_file_actions_t actions;
    FileActions() { posix_spawn_file_actions_init(&actions); }
    ~FileActions() { posix_spawn_file_actions_destroy(&actions); }
};

struct Attributes
{
    posix_spawnattr_t attributes;
    Attributes() { posix_spawnattr_init(&attributes); }
    ~Attributes() { posix_spawnattr_destroy(&attributes); }
};

} // namespace

int spawnProcess(const SpawnRequest &request, qint64 &pid) noexcept
{
    try {
        QByteArray program;
        if (const int error = findExecutable(request.program, pathOf(request.environment), program))
            return error;

        // A source that is also some other descriptor's target would be overwritten by
        // that dup2() first: such sources are moved above every target beforehand.
        int highestTarget = 2;
        for (const ChildDescriptor &d : request.descriptors)
            highestTarget = std::max(highestTarget, d.child);
        std::vector<int> moved;
        std::vector<int> sources;
        for (const ChildDescriptor &d : request.descriptors) {
            int source = int(d.parent);
            const bool collides = std::any_of(request.descriptors.begin(), request.descriptors.end(),
                                              [&d](const ChildDescriptor &o) { return o.child == d.parent && &o != &d; });
            if (collides) {
                source = ::fcntl(source, F_DUPFD_CLOEXEC, highestTarget + 1);
                if (source < 0) {
                    const int error = errno;
                    for (int fd : moved)
                        ::close(fd);
                    return error;
                }
                moved.push_back(source);
            }
            sources.push_back(source);
        }
        FileActions files;
        for (std::size_t i = 0; i < request.descriptors.size(); ++i)
            // dup2() onto itself clears close-on-exec (glibc 2.29+), so the child keeps it.
            posix_spawn_file_actions_adddup2(&files.actions, sources[i], request.descriptors[i].child);
        // Nothing but the given descriptors reaches the child, close-on-exec or not: the
        // gaps below the highest one are closed one by one (closing a number that is not
        // open is no error for posix_spawn), everything above at once.
        for (int fd = 3; fd < highestTarget; ++fd) {
            const bool given = std::any_of(request.descriptors.begin(), request.descriptors.end(),
                                           [fd](const ChildDescriptor &d) { return d.child == fd; });
            if (!given)
                posix_spawn_file_actions_addclose(&files.actions, fd);
        }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
        posix_spawn_file_actions_addclosefrom_np(&files.actions, highestTarget + 1);
#endif
        if (!request.workingDirectory.isEmpty()) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 29)
            posix_spawn_file_actions_addchdir_np(&files.actions, request.workingDirectory.constData());
#else
            return ENOSYS;
#endif
        }

        Attributes attributes;
        short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
        sigset_t empty;
        sigemptyset(&empty);
        posix_spawnattr_setsigmask(&attributes.attributes, &empty);
        // Signals the parent ignores stay ignored across exec: SIGPIPE (ignored for the
        // pipe transports) and SIGXFSZ go back to their default in the child, as with
        // Python's subprocess (restore_signals). Handled signals are reset by exec anyway.
        sigset_t defaults;
        sigemptyset(&defaults);
        sigaddset(&defaults, SIGPIPE);
#if defined(SIGXFSZ)
        sigaddset(&defaults, SIGXFSZ);
#endif
        posix_spawnattr_setsigdefault(&attributes.attributes, &defaults);
        if (request.newSession) {
#if defined(POSIX_SPAWN_SETSID)
            flags |= POSIX_SPAWN_SETSID;
#else
            return ENOSYS;
#endif
        }
        if (request.processGroup) {
            flags |= POSIX_SPAWN_SETPGROUP;
            posix_spawnattr_setpgroup(&attributes.attributes, pid_t(*request.processGroup));
        }
        posix_spawnattr_setflags(&attributes.attributes, flags);

        std::vector<char *> argv;
        for (const QByteArray &argument : request.arguments)
            argv.push_back(const_cast<char *>(argument.constData()));
        argv.push_back(nullptr);
        std::vector<char *> envp;
        if (request.environment) {
            for (const QByteArray &entry : *request.environment)
                envp.push_back(const_cast<char *>(entry.constData()));
            envp.push_back(nullptr);
        }
        pid_t child = -1;
        const int error = ::posix_spawn(&child, program.constData(), &files.actions, &attributes.attributes,
                                        argv.data(), request.environment ? envp.data() : environ);
        for (int fd : moved)
            ::close(fd);
        if (error)
            return error;
        pid = child;
        return 0;
    } catch (...) {
        return ENOMEM; // a QByteArray or vector could not allocate
    }
}

bool reapProcess(qint64 pid, int &returnCode, int &error, bool block) noexcept
{
    int status = 0;
    pid_t n;
    do {
        n = ::waitpid(pid_t(pid), &status, block ? 0 : WNOHANG);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        error = errno;
        return false;
    }
    if (n == 0)
        return false;
    if (WIFEXITED(status))
        returnCode = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        returnCode = -WTERMSIG(status);
    else
        return false; // stopped or continued: not an exit
    return true;
}

qint64 currentProcessId() noexcept
{
    return ::getpid();
}

qintptr openNullDevice(int &error) noexcept
{
    const int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        error = errno;
    return fd;
}

int noSuchProcessError() noexcept
{
    return ESRCH;
}

int signalProcess(qint64 pid, int signum) noexcept
{
    return ::kill(pid_t(pid), signum) == 0 ? 0 : errno;
}

int killSignal() noexcept
{
    return SIGKILL;
}

int terminateSignal() noexcept
{
    return SIGTERM;
}

int childSignal() noexcept
{
    return SIGCHLD;
}

} // namespace qaio::detail::sys
