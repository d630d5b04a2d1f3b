#pragma once
// What the event loop did at its idle moments (gateway/server/event_loop.hpp), for /metrics.
// Written by the loop's one thread, read by the metrics scrape: relaxed atomics, and the writer
// adds with a load and a store (no locked instruction; it is the only writer).

#include <atomic>
#include <cstdint>

namespace gangway {

struct event_loop_stats {
    std::atomic<std::uint64_t> polled_work{0};  // polling found new work inside the window
    std::atomic<std::uint64_t> polled_none{0};  // polling ran out of the window, then it slept
    std::atomic<std::uint64_t> slept{0};        // it slept at once (not polling)
    std::atomic<std::uint64_t> poll_ns{0};      // time spent polling
    std::atomic<bool> polling{false};           // whether the trials say poll, now

    static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n) {
        counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
};

}  // namespace gangway
