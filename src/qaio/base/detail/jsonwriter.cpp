// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/base/detail/jsonwriter_p.h>

#include <charconv>
#include <cmath>

namespace qaio::detail {

void JsonWriter::separate()
{
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (!m_first)
        m_out += ',';
    m_first = false;
}

void JsonWriter::open(char bracket)
{
    separate();
    m_out += bracket;
    m_first = true;
}

void JsonWriter::close(char bracket)
{
    m_out += bracket;
    m_first = false;
}

JsonWriter &JsonWriter::beginObject()
{
    open('{');
    return *this;
}

JsonWriter &JsonWriter::endObject()
{
    close('}');
    return *this;
}

JsonWriter &JsonWriter::beginArray()
{
    open('[');
    return *this;
}

JsonWriter &JsonWriter::endArray()
{
    close(']');
    return *this;
}

JsonWriter &JsonWriter::key(std::string_view name)
{
    separate();
    m_out += '"';
    m_out.append(name.data(), qsizetype(name.size()));
    m_out += "\":";
    m_afterKey = true;
    return *this;
}

template <class Integer>
void JsonWriter::appendInteger(Integer number)
{
    separate();
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, number).ptr;
    m_out.append(digits, qsizetype(end - digits));
}

JsonWriter &JsonWriter::value(std::int64_t number)
{
    appendInteger(number);
    return *this;
}

JsonWriter &JsonWriter::value(std::uint64_t number)
{
    appendInteger(number);
    return *this;
}

JsonWriter &JsonWriter::value(double number)
{
    if (!std::isfinite(number))
        return null();
    separate();
    // Shortest round-trip form where it is an integer value; 17 significant digits otherwise.
    if (number == std::trunc(number) && std::fabs(number) < 9.0e15)
        m_out += QByteArray::number(qint64(number));
    else
        m_out += QByteArray::number(number, 'g', 17);
    return *this;
}

JsonWriter &JsonWriter::value(bool flag)
{
    separate();
    m_out += flag ? "true" : "false";
    return *this;
}

JsonWriter &JsonWriter::value(const QString &text)
{
    separate();
    appendString(std::string_view(text.toUtf8()));
    return *this;
}

JsonWriter &JsonWriter::value(std::string_view utf8)
{
    separate();
    appendString(utf8);
    return *this;
}

JsonWriter &JsonWriter::null()
{
    separate();
    m_out += "null";
    return *this;
}

JsonWriter &JsonWriter::raw(const QByteArray &json)
{
    separate();
    m_out += json;
    return *this;
}

void JsonWriter::appendString(std::string_view utf8)
{
    static constexpr char kHex[] = "0123456789abcdef";
    m_out += '"';
    std::size_t plainFrom = 0;
    auto flushPlain = [&](std::size_t upTo) {
        if (upTo > plainFrom)
            m_out.append(utf8.data() + plainFrom, qsizetype(upTo - plainFrom));
    };
    for (std::size_t i = 0; i < utf8.size(); ++i) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        flushPlain(i);
        plainFrom = i + 1;
        switch (c) {
        case '"': m_out += "\\\""; break;
        case '\\': m_out += "\\\\"; break;
        case '\n': m_out += "\\n"; break;
        case '\r': m_out += "\\r"; break;
        case '\t': m_out += "\\t"; break;
        default: {
            const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
            m_out.append(escape, qsizetype(sizeof escape));
        }
        }
    }
    flushPlain(utf8.size());
    m_out += '"';
}

} // namespace qaio::detail
