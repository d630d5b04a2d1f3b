#include "gateway/server/account_services.hpp"

#include <stdexcept>

#include <openssl/rand.h>

#include "common/crypto/key_ring.hpp"
#include "common/db/db_pool.hpp"
#include "gateway/auth/login_endpoints.hpp"
#include "gateway/auth/login_throttle.hpp"
#include "gateway/auth/password_verifier.hpp"
#include "gateway/auth/peer_client.hpp"
#include "gateway/auth/peer_envelope.hpp"
#include "gateway/placement/placement_refresher.hpp"
#include "gateway/server/reset_delivery.hpp"

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

// Without peer keys nobody can seal an envelope for us: a ring of one random key that leaves
// this process never makes every envelope refused as unknown_key.
std::shared_ptr<const key_ring> peer_keys_or_none(const login_config& cfg) {
    if (!cfg.peer_keys_file.empty()) return load_keys(cfg.peer_keys_file, "login.peer_keys_file");
    std::vector<key_ring::key> keys{{"none", {}}};
    if (RAND_bytes(keys[0].bytes.data(), static_cast<int>(keys[0].bytes.size())) != 1)
        throw std::runtime_error("no randomness for the placeholder peer key");
    return std::make_shared<const key_ring>(std::move(keys));
}

throttle_settings throttle_of(const login_config& cfg) {
    throttle_settings t;
    t.ip_rate_per_min = cfg.ip_rate_per_min;
    t.ip_burst = cfg.ip_burst;
    t.email_rate_per_min = cfg.email_rate_per_min;
    t.email_burst = cfg.email_burst;
    t.shadow = cfg.throttle_shadow;
    return t;
}

verify_limits limits_of(const login_config& cfg) {
    verify_limits v;
    v.max_password_bytes = cfg.max_password_bytes;
    return v;
}

}  // namespace

account_services::account_services(const config& cfg, gateway_metrics& metrics)
    : db_(std::make_unique<db_pool>(*cfg.database)),
      metrics_(metrics),
      verifier_(std::make_unique<password_verifier>(cfg.login.hash_workers, cfg.login.hash_queue,
                                                    limits_of(cfg.login))),
      throttle_(std::make_unique<login_throttle>(throttle_of(cfg.login))),
      opener_(std::make_unique<envelope_opener>(peer_keys_or_none(cfg.login), clock_, cfg.sites.self)),
      peers_(std::make_unique<peer_client>(cfg.login.peer_ca_file, cfg.login.peer_timeout)) {
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
    if (verifier_) verifier_->stop();
}

std::shared_ptr<const account_router> account_services::make_router(config_ptr cfg) {
    auto session_keys = load_keys(cfg->session.keys_file, "session.keys_file");
    auto assertion_keys = load_keys(cfg->session.assertion_keys_file, "session.assertion_keys_file");
    // The services outlive every generation, so the router may hold references into them.
    return std::make_shared<const account_router>(std::move(cfg), std::move(session_keys),
                                                  std::move(assertion_keys), clock_, cache_,
                                                  revoked_, inflight_);
}

std::shared_ptr<const login_endpoints> account_services::make_login(
    config_ptr cfg, std::shared_ptr<upstream_pool> upstreams, std::shared_ptr<const account_router> router) {
    auto session_keys = load_keys(cfg->session.keys_file, "session.keys_file");
    std::shared_ptr<const key_ring> peer_keys;
    if (!cfg->login.peer_keys_file.empty()) peer_keys = load_keys(cfg->login.peer_keys_file, "login.peer_keys_file");
    login_shared shared{*db_, cache_, *verifier_, *throttle_, *opener_, *peers_, metrics_, clock_};
    auto deliver = make_reset_delivery(cfg, std::move(upstreams), std::move(router));
    auto service = std::make_shared<const login_service>(std::move(cfg), shared, session_keys,
                                                         std::move(peer_keys));
    return std::make_shared<const login_endpoints>(std::move(service), std::move(session_keys),
                                                   std::move(deliver));
}

bool account_services::database_reachable() const noexcept { return refresher_->database_reachable(); }

std::uint64_t account_services::version_seen() const noexcept { return refresher_->version_seen(); }

}  // namespace gangway
