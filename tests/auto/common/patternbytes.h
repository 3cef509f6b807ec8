// Copyright (c) qaio authors. Licensed under the MIT license.
#pragma once

#include <QtCore/QByteArray>

namespace qaiotest {

/*! Deterministic, position-dependent bytes (xorshift), so a misplaced or repeated chunk
    shows in a comparison; \a seed makes different payloads of one size differ. */
inline QByteArray patternBytes(qsizetype size, int seed = 0)
{
    QByteArray data(size, Qt::Uninitialized);
    quint32 x = 2463534242u + quint32(seed);
    for (qsizetype i = 0; i < size; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        data[i] = char(x & 0xff);
    }
    return data;
}

} // namespace qaiotest
