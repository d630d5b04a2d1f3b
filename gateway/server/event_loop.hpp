#pragma once
// The gateway's event loop, and when it polls before it sleeps (server.idle_poll_us).
//
// Why poll: on a VM, a CPU whose only thread sleeps halts, and whoever sends it the next event
// pays an inter-processor interrupt to wake it (a VM exit on the sender) while the sleeper pays
// the halt and the resume. A busy gateway runs out of work many times a second for a few
// microseconds each; polling through those gaps spares both sides the wake-up (and the client
// and the upstream the latency). A lightly loaded one has long gaps, and polling would only
// burn CPU.
//
// So polling runs in trials: the loop polls (for up to the maximum each time it runs out of
// work) as long as the share of polls that find work before the maximum, averaged over about
// the last 64, stays at 3/4 or more; below that it stops polling, and tries again only after
// many sleeps. 3/4 is about where polling breaks even in CPU: a miss wastes the whole window
// (20 us by default), a catch saves a sleep and a wake-up on both sides (about 7 us together on
// the benchmark's VM). An average rather than batches judged one by one: misses come in
// clusters (1 KiB HTTPS in tests/bench/run.sh catches 88 %, and one batch of 32 in a few dozen
// fell short). Idle or lightly loaded, a trial ends after 19 misses, once per
// `sleeps_between_trials` sleeps (about 0.1 us per sleep at the default maximum); under load
// whose gaps are short, the loop polls through them.

#include <utility>

#include <chrono>
#include <cstdint>

#include <boost/asio/io_context.hpp>

#include "gateway/server/event_loop_stats.hpp"

namespace gangway {

class idle_poll_policy {
public:
    static constexpr std::uint32_t one = 1u << 16;                  // catch rate 1, fixed point
    static constexpr std::uint32_t keep_polling_rate = one / 4 * 3;  // stop polling below
    static constexpr int smoothing_shift = 6;                        // average over ~64 polls
    static constexpr int sleeps_between_trials = 4096;

    explicit idle_poll_policy(std::chrono::microseconds max) : max_{max} {}

    // How long to poll the next time the loop runs out of work (0: sleep at once).
    std::chrono::nanoseconds window() const { return polling_ ? max_ : std::chrono::nanoseconds{0}; }

    // After a poll of window() > 0: whether it found work before the window ran out.
    void polled(bool caught);
    // After the loop ran out of work with window() == 0 and slept.
    void slept();

private:
    std::chrono::nanoseconds max_;
    bool polling_ = false;
    std::uint32_t catch_rate_ = one;
    int sleeps_ = 0;
};

// Runs `ioc` on this thread until it stops or runs out of work, as io_context::run() does,
// polling per idle_poll_policy with `max_poll` as the maximum, and counting its idle moments in
// `stats`. max_poll 0 is io_context::run() (nothing counted). One thread only: a second polling
// thread would find the reactor taken and spin on the scheduler's lock.
void run_event_loop(boost::asio::io_context& ioc, std::chrono::microseconds max_poll,
                    event_loop_stats& stats);

}  // namespace gangway
