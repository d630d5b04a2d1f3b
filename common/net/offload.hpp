#pragma once

#include <utility>  // Asio 1.18's awaitable.hpp needs it first

#include <exception>
#include <optional>
#include <type_traits>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace gangway {

// Runs blocking work `fn()` on `pool` (a thread pool of its own, never an I/O thread) and
// resumes the awaiting coroutine on its own executor with the result. An exception thrown by
// fn is rethrown in the coroutine.
template <class Pool, class Fn>
boost::asio::awaitable<std::invoke_result_t<Fn&>> offload(Pool& pool, Fn fn) {
    using result = std::invoke_result_t<Fn&>;
    using signature = void(std::exception_ptr, std::optional<result>);
    // use_awaitable rethrows a non-null exception_ptr first argument in the coroutine.
    std::optional<result> answer = co_await boost::asio::async_initiate<
        const boost::asio::use_awaitable_t<>&, signature>(
        [&pool](auto handler, Fn work) {
            auto home = boost::asio::get_associated_executor(handler);
            boost::asio::post(pool, [handler = std::move(handler), home, work = std::move(work)]() mutable {
                std::exception_ptr error;
                std::optional<result> value;
                try {
                    value.emplace(work());
                } catch (...) {
                    error = std::current_exception();
                }
                boost::asio::post(home, [handler = std::move(handler), error, value = std::move(value)]() mutable {
                    std::move(handler)(error, std::move(value));
                });
            });
        },
        boost::asio::use_awaitable, std::move(fn));
    co_return std::move(*answer);
}

}  // namespace gangway
