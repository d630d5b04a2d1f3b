#pragma once

#include <utility>  // Asio 1.18's awaitable.hpp needs it first

#include <atomic>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include "common/auth/password_hash.hpp"

namespace gangway {

// Password verification on a bounded pool of its own threads, so that hashing never runs on
// an I/O thread and a login flood cannot queue unbounded work: past `queue_limit`
// verifications waiting or running, a call is refused at once (nullopt) and the login gets
// 503 rather than a wait nobody would sit through.
//
// Unknown emails cost as much as wrong passwords: dummy() hashes the typed password against
// a representative stored hash, by default the last real one this site verified (so the
// dummy has the site's own scheme and parameters), before any, bcrypt cost 10.
class password_verifier {
public:
    password_verifier(unsigned workers, std::size_t queue_limit, verify_limits limits);
    ~password_verifier();
    password_verifier(const password_verifier&) = delete;
    password_verifier& operator=(const password_verifier&) = delete;

    boost::asio::awaitable<std::optional<verify_result>> verify(std::string password,
                                                                std::string stored);
    // false when refused for a full queue.
    boost::asio::awaitable<bool> dummy(std::string password);

    std::size_t waiting() const noexcept { return queued_.load(std::memory_order_relaxed); }
    void stop();

private:
    bool admit();
    void remember_representative(const std::string& stored);
    std::string representative() const;

    boost::asio::thread_pool pool_;
    std::size_t queue_limit_;
    verify_limits limits_;
    std::atomic<std::size_t> queued_{0};
    mutable std::mutex mutex_;
    std::string representative_;
};

}  // namespace gangway
