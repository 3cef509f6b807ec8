// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/platform/dns.h>
#include <qaio/core/loopcore.h>
#include <qaio/tasks/future.h>
#include <qaio/core/handle.h>
#include <qaio/net/socket.h>

#include <exception>
#include <functional>
#include <optional>
#include <vector>

namespace qaio::detail {

/*! asyncio's _interleave_addrinfos(): the first \a firstFamilyCount addresses of the first
    family, then one of each family in turn. */
QAIO_EXPORT std::vector<AddrInfo> interleaveAddrInfos(const std::vector<AddrInfo> &infos, int firstFamilyCount);

/*!
    Connects a stream socket to one of several addresses (asyncio's _connect_sock() driven
    by create_connection(), staggered_race() for Happy Eyeballs).

    Without a delay, the attempts run one after the other, each starting when the previous
    one failed. With a delay, the next attempt also starts when the latest one has not
    succeeded after the delay; the first to connect wins and every other socket is closed
    at once. Errors of every attempt are kept, in the order the attempts started.

    Callback-driven (the loop's writer on each pending socket and one timer) rather than a
    task per attempt: cancelling the wait closes every socket synchronously, so a cancelled
    createConnection() leaves neither a descriptor nor a task behind.
*/
class Connector
{
public:
    Connector(LoopCore &loop, std::vector<AddrInfo> targets, std::optional<std::vector<AddrInfo>> localAddresses,
              std::optional<Duration> delay);
    ~Connector();
    Connector(const Connector &) = delete;
    Connector &operator=(const Connector &) = delete;

    /*! Starts the first attempt; the future completes when one connected or all failed. */
    Future<void> start();
    bool succeeded() const noexcept { return m_winner.isValid(); }
    Socket takeSocket() { return std::move(m_winner); }
    /*! The errors of every failed attempt (bind and connect), flattened. */
    std::vector<std::exception_ptr> errors() const;
    /*! Closes every socket still connecting; nothing stays registered. */
    void cancel() noexcept;

private:
    struct Attempt
    {
        Socket sock;
        QString address;
        std::vector<std::exception_ptr> errors;
        bool pending = false;
    };

    void startNext();
    bool startOne(Attempt &attempt, const AddrInfo &target);
    void onWritable(std::size_t index);
    void win(std::size_t index);
    void finishIfExhausted();
    void stopAttempt(Attempt &attempt) noexcept;
    void cancelTimer() noexcept;

    LoopCore &m_loop;
    std::vector<AddrInfo> m_targets;
    std::optional<std::vector<AddrInfo>> m_local;
    std::optional<Duration> m_delay;
    std::vector<Attempt> m_attempts;
    std::size_t m_pending = 0;
    TimerHandle m_timer;
    Future<void> m_done;
    Socket m_winner;
};

} // namespace qaio::detail
