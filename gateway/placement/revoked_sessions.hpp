#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

namespace gangway {

// Session ids revoked by a logout on any instance of this site (gangway_revoked_session),
// as the placement refresher last read them. contains() is called on every authenticated
// request: each thread keeps its own snapshot and only re-reads the shared one when the
// writer has published a new generation, so the common path is one relaxed atomic load.
class revoked_sessions {
public:
    struct id_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    using id_set = std::unordered_set<std::string, id_hash, std::equal_to<>>;

    bool contains(std::string_view session_id) const;

    // Writer side (one thread): publishes a new set.
    void publish(id_set ids);
    std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

private:
    static std::uint64_t next_instance() noexcept;

    const std::uint64_t instance_ = next_instance();  // tells thread-local snapshots apart
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<std::shared_ptr<const id_set>> set_{std::make_shared<const id_set>()};
    std::atomic<std::size_t> size_{0};
};

}  // namespace gangway
