// Copyright (c) qaio authors. Licensed under the MIT license.
// EventLoop::shutdownAsyncgens(): closing the AsyncGenerators still registered with the loop.
#include <qaio/loop/eventloop.h>

#include <qaio/highlevel/asyncgenerator.h>

#include <vector>

namespace qaio {

Coro<void> EventLoop::shutdownAsyncgens()
{
    m_asyncgensShutdownCalled = true;
    if (m_asyncgens.empty())
        co_return;
    std::vector<detail::AsyncGenRef> closing;
    closing.reserve(m_asyncgens.size());
    for (detail::AsyncGenBase *gen : m_asyncgens) {
        closing.emplace_back(gen);
        gen->detachFromLoop();
    }
    m_asyncgens.clear();

    // Close them concurrently, one task each, then collect the outcomes (asyncio gathers
    // with return_exceptions=True).
    std::vector<Task<void>> tasks;
    tasks.reserve(closing.size());
    for (const detail::AsyncGenRef &gen : closing)
        tasks.push_back(createTask(detail::AsyncGenBase::aclose(gen), QStringLiteral("aclose %1").arg(gen->describe())));
    for (std::size_t i = 0; i < tasks.size(); ++i) {
        std::exception_ptr failure;
        try {
            co_await tasks[i];
        } catch (const CancelledError &) {
            if (currentTask().cancelling() > 0) {
                // This shutdown itself is being cancelled: so are the closings still running.
                for (std::size_t j = i + 1; j < tasks.size(); ++j)
                    tasks[j].cancel();
                throw;
            }
            // A closing that someone else cancelled is not an error (not an Exception in asyncio).
        } catch (...) {
            failure = std::current_exception();
        }
        if (failure) {
            ExceptionContext context;
            context.message = QStringLiteral("an error occurred during closing of asynchronous generator %1")
                                  .arg(closing[i]->describe());
            context.exception = failure;
            context.extra.insert(QStringLiteral("asyncgen"), closing[i]->describe());
            callExceptionHandler(context);
        }
    }
}

} // namespace qaio
