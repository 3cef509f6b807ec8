// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QString>
#include <QtCore/QtGlobal>

#include <mutex>
#include <vector>

namespace qaiotest {

/*! Records every Qt log message (category, type, text) while alive, instead of printing
    it; the previous message handler is restored on destruction. Thread-safe: messages
    from the executor's threads are recorded too. */
class MessageCapture
{
public:
    struct Message
    {
        QString category;
        QtMsgType type;
        QString text;
    };

    MessageCapture()
    {
        s_current = this;
        m_previous = qInstallMessageHandler(&MessageCapture::handler);
    }
    ~MessageCapture()
    {
        qInstallMessageHandler(m_previous);
        s_current = nullptr;
    }
    MessageCapture(const MessageCapture &) = delete;
    MessageCapture &operator=(const MessageCapture &) = delete;

    std::vector<Message> messages() const
    {
        std::lock_guard lock(m_mutex);
        return m_messages;
    }

    /*! How many messages of \a type contain \a text. */
    int count(QtMsgType type, const QString &text) const
    {
        std::lock_guard lock(m_mutex);
        int n = 0;
        for (const Message &m : m_messages)
            n += m.type == type && m.text.contains(text);
        return n;
    }

private:
    static void handler(QtMsgType type, const QMessageLogContext &context, const QString &text)
    {
        MessageCapture *self = s_current;
        std::lock_guard lock(self->m_mutex);
        self->m_messages.push_back({QString::fromUtf8(context.category ? context.category : ""), type, text});
    }

    static inline MessageCapture *s_current = nullptr;
    QtMessageHandler m_previous = nullptr;
    mutable std::mutex m_mutex;
    std::vector<Message> m_messages;
};

} // namespace qaiotest
