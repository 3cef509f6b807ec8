// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <qaio/core/detail/loopresource_p.h>
#include <qaio/core/loopcore.h>
#include <qaio/core/protocols.h>
#include <qaio/core/transports.h>

#include <QtCore/QString>

#include <exception>
#include <memory>
#include <utility>
#include <vector>

namespace qaio::detail {

/*!
    What every transport over one non-blocking descriptor shares, whatever it carries
    (the stream transport base, the datagram transport): the loop and the descriptor it
    claims, the protocol with its replacement rule, protocol calls whose exceptions go to
    the loop's exception handler, and watching the descriptor for reading and writing
    (only a change of interest reaches the loop).

    A protocol replaced by setProtocol() during one of its own callbacks is destroyed when
    the outermost callback returns (CallbackScope), so a protocol may replace itself.
*/
class TransportBase : public LoopResource
{
public:
    LoopCore &loop() const noexcept { return m_loop; }
    qintptr descriptor() const noexcept { return m_fd; }
    /*! Descriptor, closing state and the peer (or local) address. */
    void describeResource(ResourceInfo &info) const override;

protected:
    /*! Claims \a fd on \a loop for \a transport (the object this base is part of); a
        transport without a descriptor of its own passes -1. */
    TransportBase(LoopCore &loop, qintptr fd, const BaseTransport &transport);
    ~TransportBase() override;

    class CallbackScope
    {
    public:
        explicit CallbackScope(TransportBase &t) : m_t(t) { ++m_t.m_callbackDepth; }
        ~CallbackScope()
        {
            if (--m_t.m_callbackDepth == 0 && !m_t.m_retired.empty())
                m_t.m_retired.clear();
        }
        CallbackScope(const CallbackScope &) = delete;
        CallbackScope &operator=(const CallbackScope &) = delete;

    private:
        TransportBase &m_t;
    };

    /*! Runs \a call on the protocol; an exception goes to the exception handler with
        \a what as the message. */
    template <class Call>
    void callProtocol(const char *what, Call &&call)
    {
        CallbackScope scope(*this);
        try {
            call(*m_protocol);
        } catch (...) {
            reportCallbackError(QString::fromLatin1(what), std::current_exception());
        }
    }
    void reportCallbackError(const QString &message, std::exception_ptr error);

    /*! Makes \a protocol current (not null; the caller checked its kind). */
    void replaceProtocol(std::unique_ptr<BaseProtocol> protocol);
    /*! Makes \a protocol current and hands the previous one back instead of destroying
        it (startTls(): it becomes the protocol of the TLS transport). */
    std::unique_ptr<BaseProtocol> exchangeProtocol(std::unique_ptr<BaseProtocol> protocol)
    {
        return std::exchange(m_protocol, std::move(protocol));
    }
    /*! Destroys the protocol and those waiting to be: the first thing a transport's
        destructor does, while every member a protocol might look at is alive. */
    void destroyProtocols() noexcept;

    /*! Watches the descriptor for reading (onReadable()) or stops; idempotent. */
    void watchReadable(bool on);
    /*! Watches the descriptor for writing (onWritable()) or stops; idempotent. */
    void watchWritable(bool on);
    /*! The loop dropped every watcher itself (it is closing). */
    void forgetWatches() noexcept { m_readerWatched = m_writerWatched = false; }
    /*! Gives the descriptor back to the loop (before closing it); idempotent. A transport
        destroyed without it (its constructor threw) gives it back then. */
    void releaseDescriptor() noexcept;
    virtual void onReadable() = 0;
    virtual void onWritable() = 0;

    LoopCore &m_loop;
    qintptr m_fd;
    std::unique_ptr<BaseProtocol> m_protocol;

private:
    const BaseTransport &m_transport;
    std::vector<std::unique_ptr<BaseProtocol>> m_retired; // replaced while one of their callbacks ran
    int m_callbackDepth = 0;
    bool m_readerWatched = false;
    bool m_writerWatched = false;
    bool m_claimed; // the descriptor is registered with the loop as this transport's
};

} // namespace qaio::detail
