#include "gateway/placement/account_connections.hpp"

#include <sys/socket.h>

namespace gangway {

void connection_handle::detach() noexcept {
    std::lock_guard lock(mutex_);
    fd_ = -1;
}

void connection_handle::close_when_idle() noexcept {
    close_requested_.store(true);
    std::lock_guard lock(mutex_);
    // shutdown(2) is safe next to the owner's pending operations, unlike closing the socket
    // object from a foreign thread; the owner sees its read fail and cleans up as usual.
    if (fd_ >= 0 && !busy_.load()) ::shutdown(fd_, SHUT_RDWR);
}

void account_connections::add(std::uint64_t account_id,
                              const std::shared_ptr<connection_handle>& handle) {
    shard& s = shard_of(account_id);
    std::lock_guard lock(s.mutex);
    s.by_account.emplace(account_id, handle);
}

void account_connections::remove(std::uint64_t account_id, const connection_handle* handle) {
    shard& s = shard_of(account_id);
    std::lock_guard lock(s.mutex);
    auto [first, last] = s.by_account.equal_range(account_id);
    for (auto it = first; it != last;) {
        auto held = it->second.lock();
        it = (!held || held.get() == handle) ? s.by_account.erase(it) : std::next(it);
    }
}

std::size_t account_connections::close_account(std::uint64_t account_id) {
    std::vector<std::shared_ptr<connection_handle>> found;
    {
        shard& s = shard_of(account_id);
        std::lock_guard lock(s.mutex);
        auto [first, last] = s.by_account.equal_range(account_id);
        for (auto it = first; it != last; ++it)
            if (auto held = it->second.lock()) found.push_back(std::move(held));
    }
    for (auto& h : found) h->close_when_idle();
    return found.size();
}

}  // namespace gangway
