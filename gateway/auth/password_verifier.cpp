#include "gateway/auth/password_verifier.hpp"

#include "common/net/offload.hpp"

namespace gangway {
namespace {

// Releases the queue slot however the verification ends.
struct queue_slot {
    std::atomic<std::size_t>& queued;
    ~queue_slot() { queued.fetch_sub(1, std::memory_order_relaxed); }
};

}  // namespace

password_verifier::password_verifier(unsigned workers, std::size_t queue_limit, verify_limits limits)
    : pool_(workers), queue_limit_(queue_limit), limits_(limits) {}

password_verifier::~password_verifier() { stop(); }

void password_verifier::stop() {
    pool_.stop();
    pool_.join();
}

bool password_verifier::admit() {
    if (queued_.fetch_add(1, std::memory_order_relaxed) < queue_limit_) return true;
    queued_.fetch_sub(1, std::memory_order_relaxed);
    return false;
}

boost::asio::awaitable<std::optional<verify_result>> password_verifier::verify(std::string password,
                                                                              std::string stored) {
    if (!admit()) co_return std::nullopt;
    queue_slot slot{queued_};
    auto work = [this, password = std::move(password), stored]() {
        return verify_password(password, stored, limits_);
    };
    auto verifying = offload(pool_, std::move(work));
    const verify_result result = co_await std::move(verifying);
    if (result != verify_result::refused) remember_representative(stored);
    co_return result;
}

boost::asio::awaitable<bool> password_verifier::dummy(std::string password) {
    if (!admit()) co_return false;
    queue_slot slot{queued_};
    auto work = [this, password = std::move(password), stored = representative()]() {
        if (stored.empty()) dummy_verify(password, hash_scheme::bcrypt, limits_);
        else dummy_verify(password, stored, limits_);
        return true;
    };
    auto spending = offload(pool_, std::move(work));
    co_return co_await std::move(spending);
}

void password_verifier::remember_representative(const std::string& stored) {
    std::lock_guard lock(mutex_);
    if (representative_ != stored) representative_ = stored;
}

std::string password_verifier::representative() const {
    std::lock_guard lock(mutex_);
    return representative_;
}

}  // namespace gangway
