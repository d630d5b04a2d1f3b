#pragma once
// A connection's I/O deadline kept with one lazily re-armed timer. Included only by the .cpp
// files that instantiate the proxy's coroutines.

#include <chrono>
#include <memory>


#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

#include "common/time/clock.hpp"

namespace gangway {

// Bounds the I/O operation a connection is waiting on. arm() before an operation names the
// socket and how long the operation may take; if that time passes first, the watchdog closes
// the socket (as beast::tcp_stream does on a timeout), so the pending operation and any later
// one on that socket fail, and outcome() reports the failure as beast::error::timeout.
//
// Why not beast::tcp_stream: it schedules and cancels a steady_timer around every read and
// write (timer queue insertion and removal, the cancelled wait's handler run through the
// scheduler, executor copies): about a quarter of a plain proxied request's instructions
// under callgrind (52k -> 40k per request when this replaced it). arm() here only stores a
// time point. The one timer wakes when the stored deadline may have passed and is rescheduled
// only when a deadline comes earlier than the time it waits for; a deadline pushed later is
// noticed when the timer wakes, which then just waits again.
//
// One operation at a time is bounded: arming again replaces the deadline. That fits an
// exchange, which reads and writes in turn; the tunnel gives each direction its own watchdog.
// Every call must come from the executor given at construction (the connection's).
class io_watchdog {
public:
    using socket = boost::asio::ip::tcp::socket;
    using clock = std::chrono::steady_clock;

    explicit io_watchdog(const boost::asio::any_io_executor& executor)
        : state_(std::make_shared<state>(executor)) {
        boost::asio::co_spawn(executor, watch(state_), boost::asio::detached);
    }

    // The watcher holds the shared state and ends when its wait is cancelled, so the
    // watchdog may go while the watcher is still suspended.
    ~io_watchdog() {
        state_->target = nullptr;
        state_->stopped = true;
        state_->timer.cancel();
    }
    io_watchdog(const io_watchdog&) = delete;
    io_watchdog& operator=(const io_watchdog&) = delete;

    // The next operation on `s` must end within `timeout` from now, give or take the clock
    // tick (a few ms).
    void arm(socket& s, std::chrono::milliseconds timeout) { arm_until(s, coarse_now() + timeout); }

    // coarse_steady_now(): arm() runs around every read and write, where a precise reading
    // (about 1.5% of a proxied HTTPS request's CPU on this VM) buys nothing for deadlines of
    // seconds.
    static clock::time_point coarse_now() noexcept { return coarse_steady_now(); }

    void arm_until(socket& s, clock::time_point deadline) {
        auto& st = *state_;
        st.target = &s;
        st.deadline = deadline;
        st.fired = false;
        // Rescheduling cancels the pending wait (the watcher then waits again): only when the
        // timer would wake too late.
        if (deadline < st.timer.expiry()) st.timer.expires_at(deadline);
    }

    // No deadline for `s` from now on: called before `s` is pooled, destroyed or tunnelled.
    void disarm(const socket& s) noexcept {
        if (state_->target == &s) state_->target = nullptr;
    }

    // `ec` of the operation bounded by the last arm(): beast::error::timeout when the watchdog
    // closed its socket.
    boost::beast::error_code outcome(boost::beast::error_code ec) const {
        return ec && state_->fired ? boost::beast::error::timeout : ec;
    }

private:
    struct state {
        explicit state(const boost::asio::any_io_executor& executor)
            : timer(executor, clock::time_point::max()) {}
        boost::asio::steady_timer timer;
        socket* target = nullptr;  // the socket whose operation is bounded, if any
        clock::time_point deadline{};
        bool fired = false;  // the watchdog closed `target` for this deadline
        bool stopped = false;
    };

    static boost::asio::awaitable<void> watch(std::shared_ptr<state> st) {
        for (;;) {
            st->timer.expires_at(st->target ? st->deadline : clock::time_point::max());
            boost::system::error_code ec;
            co_await st->timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (st->stopped) co_return;
            if (st->target && st->deadline <= clock::now()) {
                boost::system::error_code ignored;
                st->target->close(ignored);
                st->target = nullptr;
                st->fired = true;
            }
        }
    }

    std::shared_ptr<state> state_;
};

}  // namespace gangway
