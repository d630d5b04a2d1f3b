#pragma once

#include <chrono>
#include <cstdint>

namespace gangway {

// Wall-clock time behind an interface, so tests control expiry and issued-at checks.
class clock {
public:
    virtual ~clock() = default;
    virtual std::chrono::system_clock::time_point now() const = 0;
};

class system_clock_source final : public clock {
public:
    std::chrono::system_clock::time_point now() const override {
        return std::chrono::system_clock::now();
    }
};

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
