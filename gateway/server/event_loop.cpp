#include "gateway/server/event_loop.hpp"

namespace gangway {

void idle_poll_policy::polled(bool caught) {
    caught_ += caught ? 1 : 0;
    if (++polls_ < polls_per_batch) return;
    polling_ = caught_ >= caught_to_keep_polling;
    polls_ = caught_ = sleeps_ = 0;
}

void idle_poll_policy::slept() {
    if (max_.count() == 0 || ++sleeps_ < sleeps_between_trials) return;
    polling_ = true;
    polls_ = caught_ = sleeps_ = 0;
}

void run_event_loop(boost::asio::io_context& ioc, std::chrono::microseconds max_poll) {
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
            bool caught = false;
            for (const auto until = clock::now() + window; !caught && clock::now() < until;)
                caught = ioc.poll() != 0;
            policy.polled(caught);
            if (caught) continue;
        } else {
            policy.slept();
        }
        if (ioc.stopped() || ioc.run_one() == 0) return;  // sleeps until the next event
    }
}

}  // namespace gangway
