// Copyright (c) qaio authors. Licensed under the MIT license.
#include <qaio/base/errors.h>

#include <QtCore/QStringList>

#include <typeinfo>

#if __has_include(<cxxabi.h>)
#  include <cxxabi.h>
#  include <cstdlib>
#  define QAIO_HAVE_CXXABI 1
#endif

namespace qaio {

Q_LOGGING_CATEGORY(lcQaioImpl, "qaio")
Q_LOGGING_CATEGORY(lcQaioDebugImpl, "qaio.debug")

const QLoggingCategory &lcQaio() { return lcQaioImpl(); }
const QLoggingCategory &lcQaioDebug() { return lcQaioDebugImpl(); }

Error::Error(const QString &message) : std::runtime_error(message.toStdString()) {}

ValueError::ValueError(const QString &message) : std::invalid_argument(message.toStdString()) {}

static QString joinDescriptions(const QString &message, const std::vector<std::exception_ptr> &errors)
{
    QStringList parts;
    for (const auto &e : errors)
        parts << describeException(e);
    return QStringLiteral("%1 (%2 sub-exception%3: %4)")
        .arg(message)
        .arg(errors.size())
        .arg(errors.size() == 1 ? "" : "s")
        .arg(parts.join(QStringLiteral("; ")));
}

ExceptionGroup::ExceptionGroup(const QString &message, std::vector<std::exception_ptr> exceptions)
    : Error(joinDescriptions(message, exceptions)), m_exceptions(std::move(exceptions))
{
}

static QString typeName(const std::type_info &type)
{
#ifdef QAIO_HAVE_CXXABI
    int status = 0;
    char *demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
    if (status == 0 && demangled) {
        QString name = QString::fromLatin1(demangled);
        std::free(demangled);
        return name;
    }
#endif
    return QString::fromLatin1(type.name());
}

QString describeException(const std::exception_ptr &error)
{
    if (!error)
        return QStringLiteral("(no exception)");
    try {
        std::rethrow_exception(error);
    } catch (const CancelledError &e) {
        return e.message().isEmpty() ? QStringLiteral("CancelledError")
                                     : QStringLiteral("CancelledError: %1").arg(e.message());
    } catch (const std::exception &e) {
        return QStringLiteral("%1: %2").arg(typeName(typeid(e)), QString::fromUtf8(e.what()));
    } catch (...) {
        return QStringLiteral("unknown exception");
    }
}

} // namespace qaio
