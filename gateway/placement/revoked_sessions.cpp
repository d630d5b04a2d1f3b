#include "gateway/placement/revoked_sessions.hpp"

namespace gangway {

bool revoked_sessions::contains(std::string_view session_id) const {
    struct snapshot {
        std::uint64_t owner = 0;
        std::uint64_t generation = 0;
        std::shared_ptr<const id_set> ids;
    };
    thread_local snapshot cached;
    const std::uint64_t now = generation_.load(std::memory_order_acquire);
    if (cached.owner != instance_ || cached.generation != now || !cached.ids) {
        cached = {instance_, now, set_.load(std::memory_order_acquire)};
    }
    return !cached.ids->empty() && cached.ids->contains(session_id);
}

std::uint64_t revoked_sessions::next_instance() noexcept {
    static std::atomic<std::uint64_t> instances{0};
    return instances.fetch_add(1) + 1;
}

void revoked_sessions::publish(id_set ids) {
    size_.store(ids.size(), std::memory_order_relaxed);
    set_.store(std::make_shared<const id_set>(std::move(ids)), std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace gangway
