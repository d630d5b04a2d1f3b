#include "gateway/server/account_services.hpp"

#include <stdexcept>

#include "common/crypto/key_ring.hpp"
#include "common/db/db_pool.hpp"
#include "gateway/placement/placement_refresher.hpp"

namespace gangway {
namespace {

std::shared_ptr<const key_ring> load_keys(const std::string& path, const char* what) {
    auto loaded = load_key_ring(path);
    if (!loaded.ring) {
        std::string message = std::string(what) + " " + path + ":";
        for (const auto& e : loaded.errors) message += " " + e + ";";
        throw std::runtime_error(message);
    }
    return std::move(loaded.ring);
}

}  // namespace

account_services::account_services(const config& cfg)
    : db_(std::make_unique<db_pool>(*cfg.database)) {
    placement_refresher::settings s{cfg.server.instance_id, cfg.sites.self, cfg.placement};
    refresher_ = std::make_unique<placement_refresher>(
        *db_, cache_, revoked_, inflight_, std::move(s),
        [this](std::uint64_t account_id) { connections_.close_account(account_id); });
}

account_services::~account_services() { stop(); }

void account_services::start() { refresher_->start(); }

void account_services::stop() {
    if (refresher_) refresher_->stop();
    ops_.join();
}

std::shared_ptr<const account_router> account_services::make_router(config_ptr cfg) {
    auto session_keys = load_keys(cfg->session.keys_file, "session.keys_file");
    auto assertion_keys = load_keys(cfg->session.assertion_keys_file, "session.assertion_keys_file");
    // The services outlive every generation, so the router may hold references into them.
    return std::make_shared<const account_router>(std::move(cfg), std::move(session_keys),
                                                  std::move(assertion_keys), clock_, cache_,
                                                  revoked_, inflight_);
}

bool account_services::database_reachable() const noexcept { return refresher_->database_reachable(); }

std::uint64_t account_services::version_seen() const noexcept { return refresher_->version_seen(); }

}  // namespace gangway
