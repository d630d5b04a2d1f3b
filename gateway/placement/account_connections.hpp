#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace gangway {

// One client connection as the registry sees it: its socket descriptor and whether a request
// is being answered on it right now. Shared between the connection (its owner) and the
// registry; detach() before the socket closes.
class connection_handle {
public:
    explicit connection_handle(int fd) : fd_(fd) {}

    // The connection's side.
    void set_busy(bool busy) noexcept { busy_.store(busy); }
    bool close_requested() const noexcept { return close_requested_.load(); }
    void detach() noexcept;

    // Any thread: ends the connection if it is idle (keep-alive wait) or tunnelling
    // (WebSocket), by shutting the socket down, which wakes the connection's pending read with
    // an error; a busy connection instead closes after its current exchange.
    void close_when_idle() noexcept;

private:
    std::mutex mutex_;
    int fd_;
    std::atomic<bool> busy_{false};
    std::atomic<bool> close_requested_{false};
};

// Which client connections last carried an authenticated request of which account, so that
// a placement change can end them: a locked or moved account must not keep a WebSocket or an
// idle keep-alive connection that would route its next request by a stale decision.
// Registration happens only when a connection's account changes, never per request.
class account_connections {
public:
    void add(std::uint64_t account_id, const std::shared_ptr<connection_handle>& handle);
    void remove(std::uint64_t account_id, const connection_handle* handle);
    // Closes (or marks) every connection of the account; returns how many it found.
    std::size_t close_account(std::uint64_t account_id);

private:
    struct shard {
        std::mutex mutex;
        std::unordered_multimap<std::uint64_t, std::weak_ptr<connection_handle>> by_account;
    };
    static constexpr std::size_t shard_count = 64;
    shard& shard_of(std::uint64_t account_id) noexcept {
        return shards_[(account_id * 0x9E3779B97F4A7C15ull) >> 58];
    }
    std::array<shard, shard_count> shards_;
};

}  // namespace gangway
