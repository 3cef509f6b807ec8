// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/core/protocols.h>

namespace qaio {

BaseProtocol::~BaseProtocol() = default;

void BaseProtocol::connectionMade(BaseTransport &) {}

void BaseProtocol::connectionLost(std::exception_ptr) {}

void BaseProtocol::pauseWriting() {}

void BaseProtocol::resumeWriting() {}

void Protocol::dataReceived(QByteArrayView) {}

bool Protocol::eofReceived()
{
    return false;
}

bool BufferedProtocol::eofReceived()
{
    return false;
}

void DatagramProtocol::datagramReceived(QByteArrayView, const SocketAddress &) {}

void DatagramProtocol::errorReceived(std::exception_ptr) {}

void SubprocessProtocol::pipeDataReceived(int, QByteArrayView) {}

void SubprocessProtocol::pipeConnectionLost(int, std::exception_ptr) {}

void SubprocessProtocol::processExited() {}

} // namespace qaio
