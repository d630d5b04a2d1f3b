#include "gateway/server/runtime.hpp"

#include <stdexcept>

#include "common/log/loggers.hpp"
#include "common/net/tls_context.hpp"
#include "gateway/server/account_services.hpp"

namespace gangway {
namespace {

bool same_address(const listen_address& a, const listen_address& b) {
    return a.host == b.host && a.port == b.port;
}

// Listeners are bound once; a reload may not move them (a restart does).
std::vector<std::string> listener_changes(const config& old_cfg, const config& new_cfg) {
    std::vector<std::string> errors;
    auto check = [&](bool old_has, bool new_has, const listen_address* a, const listen_address* b,
                     const char* key) {
        if (old_has != new_has || (old_has && !same_address(*a, *b)))
            errors.push_back(std::string(key) + ": cannot change on reload; restart the gateway");
    };
    const auto& o = old_cfg.server;
    const auto& n = new_cfg.server;
    check(o.tls.has_value(), n.tls.has_value(), o.tls ? &o.tls->listen : nullptr,
          n.tls ? &n.tls->listen : nullptr, "server.tls.listen");
    check(o.plain.has_value(), n.plain.has_value(), o.plain ? &o.plain->listen : nullptr,
          n.plain ? &n.plain->listen : nullptr, "server.plain.listen");
    check(true, true, &old_cfg.admin.listen, &new_cfg.admin.listen, "admin.listen");
    if (o.worker_threads != n.worker_threads)
        errors.push_back("server.worker_threads: cannot change on reload; restart the gateway");
    if (o.idle_poll != n.idle_poll)
        errors.push_back("server.idle_poll_us: cannot change on reload; restart the gateway");
    // The database pool and placement cache live for the whole process.
    if (old_cfg.database != new_cfg.database)
        errors.push_back("database: cannot change on reload; restart the gateway");
    if (old_cfg.sites.self != new_cfg.sites.self)
        errors.push_back("site.name: cannot change on reload; restart the gateway");
    return errors;
}

}  // namespace

runtime::runtime(boost::asio::any_io_executor executor, config_ptr cfg)
    : executor_(std::move(executor)) {
    if (cfg->database) accounts_ = std::make_unique<account_services>(*cfg, metrics_);
    generation_.store(build(std::move(cfg)));
    if (accounts_) accounts_->start();
}

runtime::~runtime() = default;

runtime::generation_ptr runtime::build(config_ptr cfg) {
    auto g = std::make_shared<generation>();
    if (cfg->server.tls) g->tls = make_server_tls_context(cfg->server.tls->cert_file,
                                                          cfg->server.tls->key_file);
    g->upstreams = std::make_shared<upstream_pool>(executor_, cfg->upstream, metrics_);
    if (accounts_) {
        g->router = accounts_->make_router(cfg);
        g->login = accounts_->make_login(cfg, g->upstreams, g->router);
    }
    g->cfg = std::move(cfg);
    return g;
}

runtime::reload_outcome runtime::reload() {
    auto log = component_logger("config");
    auto old = current();
    reload_outcome outcome;
    auto loaded = load_config(old->cfg->source_path);
    for (const auto& e : loaded.errors) outcome.errors.push_back(e.to_string());
    if (loaded.value)
        for (auto& e : listener_changes(*old->cfg, *loaded.value)) outcome.errors.push_back(e);
    generation_ptr next;
    if (outcome.errors.empty()) {
        try {
            next = build(loaded.value);
        } catch (const std::exception& e) {
            outcome.errors.emplace_back(e.what());
        }
    }
    if (!outcome.errors.empty()) {
        for (const auto& e : outcome.errors) log->error("reload refused: {}", e);
        metrics_.count_reload(false);
        return outcome;
    }
    generation_.store(next, std::memory_order_release);
    old->upstreams->close_idle();
    init_logging(next->cfg->log);
    metrics_.count_reload(true);
    log->info("reload applied from {}", next->cfg->source_path);
    outcome.applied = true;
    return outcome;
}

void runtime::request_started() noexcept {
    in_flight_.fetch_add(1, std::memory_order_acq_rel);
    metrics_.request_started();
}

void runtime::request_finished() noexcept {
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    metrics_.request_finished();
}

}  // namespace gangway
