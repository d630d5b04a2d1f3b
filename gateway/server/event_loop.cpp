#include "gateway/server/event_loop.hpp"

namespace gangway {

void idle_poll_policy::polled(bool caught) {
    const std::int64_t target = caught ? one : 0;
    catch_rate_ = static_cast<std::uint32_t>(catch_rate_ + ((target - catch_rate_) >> smoothing_shift));
    if (catch_rate_ >= keep_polling_rate) return;
    polling_ = false;
    sleeps_ = 0;
}

void idle_poll_policy::slept() {
    if (max_.count() == 0 || ++sleeps_ < sleeps_between_trials) return;
    polling_ = true;
    catch_rate_ = one;
    sleeps_ = 0;
}

void run_event_loop(boost::asio::io_context& ioc, std::chrono::microseconds max_poll,
                    event_loop_stats& stats) {
    if (max_poll.count() == 0) {
        ioc.run();
        return;
    }
    using clock = std::chrono::steady_clock;
    idle_poll_policy policy{max_poll};
    for (;;) {
        if (ioc.poll() != 0) continue;
        if (ioc.stopped()) return;  // stopped, or out of work
        if (const auto window = policy.window(); window.count() > 0) {
            const auto from = clock::now();
            bool caught = false;
            auto now = from;
            for (const auto until = from + window; !caught && now < until; now = clock::now())
                caught = ioc.poll() != 0;
            policy.polled(caught);
            event_loop_stats::add(caught ? stats.polled_work : stats.polled_none, 1);
            event_loop_stats::add(stats.poll_ns, static_cast<std::uint64_t>((now - from).count()));
            stats.polling.store(policy.window().count() > 0, std::memory_order_relaxed);
            if (caught) continue;
        } else {
            policy.slept();
            event_loop_stats::add(stats.slept, 1);
            stats.polling.store(policy.window().count() > 0, std::memory_order_relaxed);
        }
        if (ioc.stopped() || ioc.run_one() == 0) return;  // sleeps until the next event
    }
}

}  // namespace gangway
