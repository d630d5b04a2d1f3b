#pragma once

#include <chrono>
#include <cstdint>

#include <time.h>

namespace gangway {

// Wall-clock time behind an interface, so tests control expiry and issued-at checks.
class clock {
public:
    virtual ~clock() = default;
    virtual std::chrono::system_clock::time_point now() const = 0;
};

// The system clock as of its last tick (CLOCK_REALTIME_COARSE): every reader of this clock
// works in whole seconds (session expiry, issued-at, the assertion's ts), and the coarse
// reading costs a memory load where a precise one reads the hardware clock (two of them on
// every authenticated request). It lags the precise time by at most a tick (a few ms).
class system_clock_source final : public clock {
public:
    std::chrono::system_clock::time_point now() const override {
        timespec ts{};
        ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
        return std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
    }
};

// steady_clock's time (CLOCK_MONOTONIC) as of the last clock tick: for deadlines and
// freshness bounds of seconds, where a precise reading buys nothing. It lags the precise time
// by at most a tick, so a deadline comes that much earlier and a cache looks that much fresher.
inline std::chrono::steady_clock::time_point coarse_steady_now() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return std::chrono::steady_clock::time_point(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

// Whole seconds since the epoch, as sealed values carry times.
inline std::int64_t unix_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// A clock that only moves when told to (tests).
class manual_clock final : public clock {
public:
    explicit manual_clock(std::chrono::system_clock::time_point start) : now_(start) {}
    std::chrono::system_clock::time_point now() const override { return now_; }
    void advance(std::chrono::system_clock::duration d) { now_ += d; }

private:
    std::chrono::system_clock::time_point now_;
};

}  // namespace gangway
