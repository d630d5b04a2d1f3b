#pragma once

#include <chrono>

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
