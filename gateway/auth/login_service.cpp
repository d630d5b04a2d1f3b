#include "gateway/auth/login_service.hpp"

#include <stdexcept>

#include <spdlog/spdlog.h>

#include "common/auth/handoff_token.hpp"
#include "common/db/db_pool.hpp"
#include "common/db/placement_store.hpp"
#include "common/log/loggers.hpp"
#include "common/session/session_cookie.hpp"
#include "gateway/auth/login_throttle.hpp"
#include "gateway/auth/next_target.hpp"
#include "gateway/auth/password_verifier.hpp"
#include "gateway/auth/peer_client.hpp"
#include "gateway/auth/peer_envelope.hpp"
#include "gateway/placement/placement_cache.hpp"
#include "gateway/server/metrics.hpp"

namespace gangway {
namespace {

using outcome_kind = login_outcome::kind;

constexpr std::string_view handoff_path = "/_gangway/handoff?token=";

const std::shared_ptr<spdlog::logger>& login_log() {
    static const auto logger = component_logger("login");
    return logger;
}

login_outcome outcome(outcome_kind k, std::string path = "local") {
    login_outcome o;
    o.what = k;
    o.path = std::move(path);
    return o;
}

bool has_peers(const sites_config& sites) {
    for (const auto& s : sites.entries)
        if (s.name != sites.self && !s.peer_url.empty()) return true;
    return false;
}

std::string landing(std::string_view next, std::string_view own_origin) {
    return validated_next(next, own_origin, {}).value_or("/");
}

}  // namespace

// An email found in this site's users table, with the account's placement as this gateway
// sees it (nullopt: the account has no placement row).
struct login_service::local_user {
    user_lookup what = user_lookup::not_found;
    user_record user;
    std::optional<placement_cache::entry> placement;

    bool found() const { return what == user_lookup::found && user.active; }
    bool lives_here() const {
        return found() && placement && (placement->state == placement_lookup::active ||
                                        placement->state == placement_lookup::locked);
    }
};

login_service::login_service(config_ptr cfg, login_shared shared,
                             std::shared_ptr<const key_ring> session_keys,
                             std::shared_ptr<const key_ring> peer_keys)
    : cfg_(std::move(cfg)),
      shared_(shared),
      peer_keys_(std::move(peer_keys)),
      codec_(std::move(session_keys), shared.wall_clock, cfg_->sites.self),
      users_(cfg_->login) {
    if (has_peers(cfg_->sites) && !peer_keys_)
        throw std::runtime_error("login.peer_keys_file is required when other sites have a peer_url");
    if (const site_entry* self = cfg_->sites.find(cfg_->sites.self)) own_origin_ = self->origin;
}

std::optional<session> login_service::open_session(std::string_view cookie_value) const {
    return codec_.open(cookie_value);
}

void login_service::count_login(std::string_view path, std::string_view outcome) const {
    shared_.metrics.count_login(path, outcome);
}

bool login_service::allow_reset(std::string_view client_ip, std::string_view email) const {
    const auto now = std::chrono::steady_clock::now();
    const auto verdict = shared_.throttle.check(client_ip, email, now);
    if (verdict.verdict == throttle_verdict::limited) {
        shared_.metrics.count_rate_limited(verdict.ip_exhausted ? "ip" : "email", false);
        return false;
    }
    shared_.throttle.record_failure(client_ip, email, now);
    return true;
}

// ---- the site where the user typed --------------------------------------------------------

boost::asio::awaitable<login_outcome> login_service::sign_in(login_attempt a) const {
    a.email = std::string(trimmed_email(a.email));
    const auto now = std::chrono::steady_clock::now();
    const auto verdict = shared_.throttle.check(a.client_ip, a.email, now);
    if (verdict.verdict != throttle_verdict::allowed) {
        const bool shadow = verdict.verdict == throttle_verdict::would_limit;
        if (verdict.ip_exhausted) shared_.metrics.count_rate_limited("ip", shadow);
        if (verdict.email_exhausted) shared_.metrics.count_rate_limited("email", shadow);
        if (!shadow) co_return outcome(outcome_kind::limited);
    }
    const auto here = co_await look_up(a.email);
    if (!here) co_return outcome(outcome_kind::unavailable);
    if (here->lives_here()) co_return co_await check_here(*here, a);
    if (here->found() && here->placement && here->placement->state == placement_lookup::moved)
        co_return co_await ask_peers(a, here->placement->site);
    if (here->found() && !here->placement)
        login_log()->warn("account {} has no placement row on this site: its users cannot log in",
                          here->user.account_id);
    // Unknown here (or a user without an account here): each peer checks its own table.
    co_return co_await ask_peers(a, {});
}

boost::asio::awaitable<std::optional<login_service::local_user>> login_service::look_up(
    const std::string& email) const {
    auto find = [this, email](sql::Connection& c) { return users_.find(c, email); };
    auto found = co_await shared_.db.run(std::move(find));
    if (!found) {
        login_log()->error("users table lookup failed: {}", found.message);
        co_return std::nullopt;
    }
    local_user u;
    u.what = found.value->what;
    u.user = std::move(found.value->user);
    if (u.what == user_lookup::ambiguous)
        login_log()->warn("two users share one email under the column's collation: login refused");
    if (u.what == user_lookup::found) u.placement = shared_.cache.find(u.user.account_id);
    co_return u;
}

boost::asio::awaitable<login_outcome> login_service::check_here(const local_user& u,
                                                                const login_attempt& a) const {
    // Calls whose arguments are copied are made first and awaited after: GCC 12 mishandles
    // temporaries that own memory inside a co_await expression (destroys them twice).
    auto verification = shared_.verifier.verify(a.password, u.user.stored_hash);
    const auto result = co_await std::move(verification);
    if (!result) co_return outcome(outcome_kind::unavailable);
    if (*result != verify_result::match) {
        if (*result == verify_result::refused)
            login_log()->warn("stored password hash of user {} refused (unknown format or absurd "
                              "parameters)", u.user.user_id);
        record_failure(a);
        co_return outcome(outcome_kind::failed);
    }
    if (u.placement->state == placement_lookup::locked) co_return outcome(outcome_kind::locked);
    auto done = outcome(outcome_kind::signed_in);
    done.cookie = mint_cookie(u.user, u.placement->version);
    done.location = landing(a.next, own_origin_);
    co_return done;
}

boost::asio::awaitable<login_outcome> login_service::ask_peers(const login_attempt& a,
                                                               std::string_view only_site) const {
    bool asked = false;
    bool unreachable = false;
    for (const auto& site : cfg_->sites.entries) {
        if (site.name == cfg_->sites.self || site.peer_url.empty()) continue;
        if (!only_site.empty() && site.name != only_site) continue;
        asked = true;
        const auto reply = co_await ask_peer(site, a);
        if (!reply || reply->outcome == peer_login_outcome::unavailable) {
            unreachable = true;
            continue;
        }
        switch (reply->outcome) {
            case peer_login_outcome::handoff: {
                auto done = outcome(outcome_kind::handed_over, "forwarded");
                done.location = reply->location;
                co_return done;
            }
            case peer_login_outcome::locked: co_return outcome(outcome_kind::locked, "forwarded");
            case peer_login_outcome::limited: co_return outcome(outcome_kind::limited, "forwarded");
            case peer_login_outcome::failed:
                record_failure(a);
                co_return outcome(outcome_kind::failed, "forwarded");
            default: break;  // not_here: ask the next site
        }
    }
    // Nobody else checked a password: spend the time of one check here.
    if (!asked) {
        auto spend = shared_.verifier.dummy(a.password);
        if (!co_await std::move(spend)) co_return outcome(outcome_kind::unavailable);
    }
    if (unreachable) co_return outcome(outcome_kind::unavailable, "forwarded");
    record_failure(a);
    co_return outcome(outcome_kind::failed, asked ? "forwarded" : "local");
}

boost::asio::awaitable<std::optional<peer_login_reply>> login_service::ask_peer(
    const site_entry& site, const login_attempt& a) const {
    peer_login_request request{a.email, a.password, a.next, a.client_ip, a.user_agent};
    std::string id;
    auto call = call_peer(site, "login", encode(request), id);
    const auto sealed = co_await std::move(call);
    if (!sealed) co_return std::nullopt;
    const auto body = open_reply(*sealed, "login_reply", site.name);
    if (!body) co_return std::nullopt;
    auto reply = decode_login_reply(*body, id);
    // A handoff URL must lead to the site we asked, to its handoff path and nowhere else.
    if (reply && reply->outcome == peer_login_outcome::handoff && !is_handoff_url(site, reply->location)) {
        login_log()->warn("peer {} answered with a handoff URL outside its origin: refused", site.name);
        co_return std::nullopt;
    }
    if (!reply) login_log()->warn("peer {} answered with a malformed login reply", site.name);
    co_return reply;
}

boost::asio::awaitable<std::optional<std::string>> login_service::call_peer(
    const site_entry& site, std::string kind, std::string body, std::string& message_id) const {
    const auto e = envelope::fresh(cfg_->sites.self, site.name, kind, std::move(body),
                                   shared_.wall_clock.now());
    message_id = e.message_id();
    std::string path = std::string(peer_path_prefix) + kind;
    auto call = shared_.peers.post(site.peer_url, path, seal_envelope(*peer_keys_, e));
    const peer_call_result answer = co_await std::move(call);
    if (answer.what != peer_call_result::status::ok || answer.http_status != 200) {
        login_log()->warn("peer {} did not answer {}: {} (HTTP {})", site.name, path,
                          peer_call_status_name(answer.what), answer.http_status);
        co_return std::nullopt;
    }
    co_return answer.body;
}

std::optional<std::string> login_service::open_reply(std::string_view sealed, std::string_view kind,
                                                     std::string_view from) const {
    auto e = open_request(sealed, kind);
    if (!e) return std::nullopt;
    if (e->sender != from) {
        refuse_envelope("wrong_sender");
        return std::nullopt;
    }
    return std::move(e->body);
}

void login_service::record_failure(const login_attempt& a) const {
    shared_.throttle.record_failure(a.client_ip, a.email, std::chrono::steady_clock::now());
}

std::string login_service::mint_cookie(const user_record& u, std::uint64_t placement_version) const {
    const auto ttl = cfg_->session.ttl;
    const session s = codec_.mint(u.user_id, u.account_id, u.email, placement_version, ttl);
    return session_set_cookie(cfg_->session, codec_.seal(s), ttl);
}

// ---- the site where the account lives -----------------------------------------------------

std::optional<opened_envelope> login_service::open_request(std::string_view sealed,
                                                          std::string_view kind) const {
    auto opened = shared_.opener.open(sealed);
    if (opened && opened.envelope->kind == kind) return std::move(opened.envelope);
    refuse_envelope(opened ? std::string_view("wrong_kind") : to_string(opened.refusal));
    return std::nullopt;
}

void login_service::refuse_envelope(std::string_view reason) const {
    shared_.metrics.count_envelope_refused(reason);
    login_log()->warn("peer envelope refused: {}", reason);
}

boost::asio::awaitable<std::optional<std::string>> login_service::answer_peer_login(std::string sealed) const {
    const auto e = open_request(sealed, "login");
    if (!e) co_return std::nullopt;
    const auto request = decode_login_request(e->body);
    if (!request) {
        refuse_envelope("malformed");
        co_return std::nullopt;
    }
    const peer_login_reply reply = co_await answer_login(*request);
    shared_.metrics.count_login("peer", to_string(reply.outcome));
    co_return seal_reply(e->sender, "login_reply", encode(reply, e->message_id));
}

boost::asio::awaitable<peer_login_reply> login_service::answer_login(const peer_login_request& r) const {
    login_attempt a{std::string(trimmed_email(r.email)), r.password, r.next, r.client_ip, r.user_agent};
    peer_login_reply reply;
    const auto verdict = shared_.throttle.check(a.client_ip, a.email, std::chrono::steady_clock::now());
    if (verdict.verdict == throttle_verdict::limited) {
        reply.outcome = peer_login_outcome::limited;
        co_return reply;
    }
    const auto here = co_await look_up(a.email);
    if (!here) co_return reply;  // unavailable
    if (!here->lives_here()) {
        auto spend = shared_.verifier.dummy(a.password);
        reply.outcome = co_await std::move(spend) ? peer_login_outcome::not_here
                                                  : peer_login_outcome::unavailable;
        co_return reply;
    }
    const auto checked = co_await check_here(*here, a);
    switch (checked.what) {
        case outcome_kind::failed: reply.outcome = peer_login_outcome::failed; co_return reply;
        case outcome_kind::locked: reply.outcome = peer_login_outcome::locked; co_return reply;
        case outcome_kind::signed_in: break;
        default: co_return reply;  // unavailable
    }
    auto issuing = issue_handoff(*here, a);
    co_return co_await std::move(issuing);
}

boost::asio::awaitable<peer_login_reply> login_service::issue_handoff(const local_user& u,
                                                                      const login_attempt& a) const {
    peer_login_reply reply;  // unavailable unless stored
    handoff_grant grant{u.user.user_id, u.user.account_id, u.user.email, cfg_->sites.self,
                        u.placement->version, landing(a.next, own_origin_), a.client_ip, a.user_agent};
    auto token = new_handoff_token();
    auto store = [token, grant, ttl = cfg_->login.handoff_ttl](sql::Connection& c) {
        store_handoff(c, token, grant, ttl);
        return true;
    };
    const auto stored = co_await shared_.db.run(std::move(store));
    if (!stored) {
        login_log()->error("storing a handoff token failed: {}", stored.message);
        co_return reply;
    }
    shared_.metrics.count_handoff("issued");
    reply.outcome = peer_login_outcome::handoff;
    reply.location = own_origin_ + std::string(handoff_path) + token;
    co_return reply;
}

// ---- sessions of moved accounts -----------------------------------------------------------

boost::asio::awaitable<std::optional<std::string>> login_service::transfer(session who, std::string next,
                                                                          std::string client_ip,
                                                                          std::string user_agent) const {
    const auto entry = shared_.cache.find(who.account_id);
    if (!entry || entry->state != placement_lookup::moved) co_return std::nullopt;
    const site_entry* site = cfg_->sites.find(entry->site);
    if (!site || site->peer_url.empty() || site->name == cfg_->sites.self) co_return std::nullopt;
    const peer_transfer_request request{who.user_id, who.account_id, who.email, std::move(next),
                                        std::move(client_ip), std::move(user_agent)};
    std::string id;
    auto call = call_peer(*site, "transfer", encode(request), id);
    const auto sealed = co_await std::move(call);
    const auto body = sealed ? open_reply(*sealed, "transfer_reply", site->name) : std::nullopt;
    const auto reply = body ? decode_login_reply(*body, id) : std::nullopt;
    const bool handed = reply && reply->outcome == peer_login_outcome::handoff &&
                        is_handoff_url(*site, reply->location);
    shared_.metrics.count_login("transfer", handed ? "handed_over" : "not_handed_over");
    if (!handed) co_return std::nullopt;
    co_return reply->location;
}

boost::asio::awaitable<std::optional<std::string>> login_service::answer_peer_transfer(std::string sealed) const {
    const auto e = open_request(sealed, "transfer");
    if (!e) co_return std::nullopt;
    const auto request = decode_transfer_request(e->body);
    if (!request) {
        refuse_envelope("malformed");
        co_return std::nullopt;
    }
    peer_login_reply reply;  // unavailable
    const std::string email(trimmed_email(request->email));
    auto here = co_await look_up(email);
    if (here && here->found() && !here->lives_here()) {
        // Ops make the account active here just before they flip the old site, and this
        // cache may trail the database by one refresh: ask the database before saying no.
        auto reading = placement_in_database(here->user.account_id);
        if (auto fresh = co_await std::move(reading)) here->placement = fresh;
    }
    // Only the very user the sender names, of an account that lives here now.
    const bool same_user = here && here->found() && here->user.user_id == request->user_id &&
                           here->user.account_id == request->account_id;
    if (here) reply.outcome = peer_login_outcome::not_here;
    if (same_user && here->lives_here()) {
        if (here->placement->state == placement_lookup::locked) {
            reply.outcome = peer_login_outcome::locked;
        } else {
            const login_attempt a{email, {}, request->next, request->client_ip, request->user_agent};
            auto issuing = issue_handoff(*here, a);
            reply = co_await std::move(issuing);
        }
    }
    shared_.metrics.count_login("peer_transfer", to_string(reply.outcome));
    co_return seal_reply(e->sender, "transfer_reply", encode(reply, e->message_id));
}

boost::asio::awaitable<std::optional<placement_cache::entry>> login_service::placement_in_database(
    std::uint64_t account_id) const {
    auto read = [account_id](sql::Connection& c) { return get_placement(c, account_id); };
    const auto row = co_await shared_.db.run(std::move(read));
    if (!row || !*row.value || (*row.value)->site != cfg_->sites.self) co_return std::nullopt;
    const auto& p = **row.value;
    const auto state = p.state == placement_state::active   ? placement_lookup::active
                       : p.state == placement_state::locked ? placement_lookup::locked
                                                            : placement_lookup::moved;
    co_return placement_cache::entry{state, cfg_->sites.self, p.version};
}

std::string login_service::moved_to_origin(std::uint64_t account_id) const {
    const auto entry = shared_.cache.find(account_id);
    if (!entry || entry->state != placement_lookup::moved) return {};
    const site_entry* site = cfg_->sites.find(entry->site);
    return site ? site->origin : std::string{};
}

bool login_service::is_handoff_url(const site_entry& site, std::string_view location) const {
    const std::string expected = site.origin + std::string(handoff_path);
    return location.substr(0, expected.size()) == expected;
}

std::string login_service::seal_reply(const std::string& to, std::string kind, std::string body) const {
    const auto e = envelope::fresh(cfg_->sites.self, to, std::move(kind), std::move(body),
                                   shared_.wall_clock.now());
    return seal_envelope(*peer_keys_, e);
}

boost::asio::awaitable<handoff_outcome> login_service::redeem(std::string token, std::string client_ip,
                                                              std::string user_agent) const {
    struct redeemed {
        redeemed_handoff handoff;
        std::optional<placement_row> placement;
    };
    auto work = [token = std::move(token), ip = std::move(client_ip), ua = std::move(user_agent),
                 self = cfg_->sites.self](sql::Connection& c) {
        redeemed r{redeem_handoff(c, token, self, ip, ua), std::nullopt};
        if (r.handoff.grant) r.placement = get_placement(c, r.handoff.grant->account_id);
        return r;
    };
    const auto result = co_await shared_.db.run(std::move(work));
    handoff_outcome out;
    if (!result) {
        login_log()->error("handoff redemption failed: {}", result.message);
        out.reason = "unavailable";
        co_return out;
    }
    out.reason = std::string(to_string(result.value->handoff.outcome));
    if (const auto& grant = result.value->handoff.grant) {
        const auto& p = result.value->placement;
        // The account must still be where, and as, it was when the token was issued.
        if (!p || p->state != placement_state::active || p->version != grant->placement_version) {
            out.reason = "stale";
        } else {
            const user_record u{grant->user_id, grant->account_id, grant->email, {}, true};
            out.cookie = mint_cookie(u, grant->placement_version);
            out.location = landing(grant->target, own_origin_);
        }
    }
    shared_.metrics.count_handoff(out.reason);
    co_return out;
}

boost::asio::awaitable<bool> login_service::sign_out(session who) const {
    auto revoke = [id = who.session_id, expires = who.expires_at](sql::Connection& c) {
        revoke_session(c, id, expires);
        return true;
    };
    const auto done = co_await shared_.db.run(std::move(revoke));
    if (!done) login_log()->error("revoking a session failed: {}", done.message);
    co_return done.value.has_value();
}

// ---- forgotten passwords ------------------------------------------------------------------

boost::asio::awaitable<void> login_service::request_reset(std::string email, std::string client_ip,
                                                          reset_delivery deliver) const {
    email = std::string(trimmed_email(email));
    auto result = co_await reset_here_or_not(email, deliver);
    std::string path = "local";
    for (const auto& site : cfg_->sites.entries) {
        if (result != peer_reset_outcome::not_here) break;
        if (site.name == cfg_->sites.self || site.peer_url.empty()) continue;
        path = "forwarded";
        std::string id;
        auto call = call_peer(site, "reset", encode(peer_reset_request{email, client_ip}), id);
        const auto sealed = co_await std::move(call);
        const auto body = sealed ? open_reply(*sealed, "reset_reply", site.name) : std::nullopt;
        const auto reply = body ? decode_reset_reply(*body, id) : std::nullopt;
        if (!reply) continue;
        result = *reply;
    }
    shared_.metrics.count_reset(path, to_string(result));
}

boost::asio::awaitable<peer_reset_outcome> login_service::reset_here_or_not(
    const std::string& email, const reset_delivery& deliver) const {
    const auto here = co_await look_up(email);
    if (!here) co_return peer_reset_outcome::unavailable;
    if (!here->lives_here()) co_return peer_reset_outcome::not_here;
    co_return co_await deliver(here->user) ? peer_reset_outcome::sent : peer_reset_outcome::unavailable;
}

boost::asio::awaitable<std::optional<std::string>> login_service::answer_peer_reset(
    std::string sealed, reset_delivery deliver) const {
    const auto e = open_request(sealed, "reset");
    if (!e) co_return std::nullopt;
    const auto request = decode_reset_request(e->body);
    if (!request) {
        refuse_envelope("malformed");
        co_return std::nullopt;
    }
    const std::string email(trimmed_email(request->email));
    const auto result = co_await reset_here_or_not(email, deliver);
    shared_.metrics.count_reset("peer", to_string(result));
    co_return seal_reply(e->sender, "reset_reply", encode(result, e->message_id));
}

}  // namespace gangway
