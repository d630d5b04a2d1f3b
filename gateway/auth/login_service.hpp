#pragma once

#include <utility>  // Asio 1.18's awaitable.hpp needs it first

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "common/config/config.hpp"
#include "common/crypto/key_ring.hpp"
#include "common/session/session.hpp"
#include "common/time/clock.hpp"
#include "gateway/auth/peer_envelope.hpp"
#include "gateway/auth/peer_protocol.hpp"
#include "gateway/auth/user_directory.hpp"
#include "gateway/placement/placement_cache.hpp"

namespace gangway {

class db_pool;
class gateway_metrics;
class login_throttle;
class password_verifier;
class peer_client;

// What the login flow shares with the rest of the process (account_services owns them): one
// replay cache, one throttle, one hashing pool, one peer client for every config generation.
struct login_shared {
    db_pool& db;
    const placement_cache& cache;
    password_verifier& verifier;
    login_throttle& throttle;
    envelope_opener& opener;
    peer_client& peers;
    gateway_metrics& metrics;
    const clock& wall_clock;
};

// A login typed at this site's form. Sizes are checked by the caller (login_endpoints).
struct login_attempt {
    std::string email;     // as typed; trimmed here
    std::string password;  // never logged
    std::string next;      // validated for this site, or "/"
    std::string client_ip;
    std::string user_agent;
};

struct login_outcome {
    enum class kind {
        signed_in,    // here: `cookie` is the sealed session, `location` the validated next
        handed_over,  // at a peer: `location` is its handoff URL
        locked,       // the password was right, the account is locked: the lock page
        failed,       // the one answer for unknown emails and wrong passwords, wherever
        limited,      // the one 429 answer
        unavailable,  // database, hashing pool or peer out of reach: 503
    } what = kind::failed;
    std::string location;
    std::string cookie;
    std::string path = "local";  // metrics: where the check ran (local, forwarded)
};

// A handoff token presented at /_gangway/handoff.
struct handoff_outcome {
    std::string reason = "unknown";  // redeemed, or why not (handoff_token.hpp's names, stale)
    std::string cookie;              // the sealed session when redeemed
    std::string location;            // where to land when redeemed
};

// The login flow of PRODUCT.md journey 2 and the seed: an account found here and active is
// checked here; an account moved elsewhere, or an email unknown here, is checked by the
// site where it lives, over a sealed envelope, which answers with a single-use handoff URL.
// One per config generation (it holds the generation's keys); thread-safe.
class login_service {
public:
    // Throws std::runtime_error when the peer keys are needed (other sites have a peer_url)
    // but missing.
    login_service(config_ptr cfg, login_shared shared, std::shared_ptr<const key_ring> session_keys,
                  std::shared_ptr<const key_ring> peer_keys);

    boost::asio::awaitable<login_outcome> sign_in(login_attempt a) const;

    // POST /_gangway/peer/v1/login: the sealed reply, or nullopt when the envelope was
    // refused (logged and counted with its reason; the caller answers 403).
    boost::asio::awaitable<std::optional<std::string>> answer_peer_login(std::string sealed) const;

    // GET /_gangway/handoff?token=...
    boost::asio::awaitable<handoff_outcome> redeem(std::string token, std::string client_ip,
                                                   std::string user_agent) const;

    // A forgotten-password request typed here, for the site where the account lives. Always
    // completes quietly: the user sees the same answer whatever happened (`sent` or not is
    // only logged and counted). `deliver` asks this site's upstream to send the mail.
    using reset_delivery = std::function<boost::asio::awaitable<bool>(const user_record&)>;
    boost::asio::awaitable<void> request_reset(std::string email, std::string client_ip,
                                               reset_delivery deliver) const;
    // The peer side of a reset (kind "reset"), given the same delivery.
    boost::asio::awaitable<std::optional<std::string>> answer_peer_reset(std::string sealed,
                                                                         reset_delivery deliver) const;

    // GET /_gangway/transfer: a session of this site whose account has moved is handed over to
    // the account's new site (a sealed "transfer" envelope; that site checks the user and the
    // placement and answers with a handoff URL, as for a login). nullopt when it cannot be:
    // the caller sends the browser to that site to log in there.
    boost::asio::awaitable<std::optional<std::string>> transfer(session who, std::string next,
                                                                std::string client_ip,
                                                                std::string user_agent) const;
    // POST /_gangway/peer/v1/transfer: the sealed reply, or nullopt when refused.
    boost::asio::awaitable<std::optional<std::string>> answer_peer_transfer(std::string sealed) const;
    // The origin of the site the account has moved to, as this gateway sees it; empty when it
    // has not moved.
    std::string moved_to_origin(std::uint64_t account_id) const;

    // Ends a session: its id is revoked for every instance of this site. False when the
    // database could not record it (the cookie is cleared anyway).
    boost::asio::awaitable<bool> sign_out(session who) const;

    // Counts a login answer (metrics: path local|forwarded, outcome).
    void count_login(std::string_view path, std::string_view outcome) const;
    // Whether a reset may be requested for this email from this address now; each request
    // takes a token from both throttle buckets, so resets cannot be used to flood a mailbox.
    bool allow_reset(std::string_view client_ip, std::string_view email) const;

    // The session cookie's content for a valid cookie value, nullopt otherwise.
    std::optional<session> open_session(std::string_view cookie_value) const;

    const config& cfg() const noexcept { return *cfg_; }

private:
    struct local_user;
    boost::asio::awaitable<std::optional<local_user>> look_up(const std::string& email) const;
    boost::asio::awaitable<login_outcome> check_here(const local_user& u, const login_attempt& a) const;
    boost::asio::awaitable<login_outcome> ask_peers(const login_attempt& a,
                                                    std::string_view only_site) const;
    boost::asio::awaitable<std::optional<peer_login_reply>> ask_peer(const site_entry& site,
                                                                     const login_attempt& a) const;
    boost::asio::awaitable<peer_login_reply> answer_login(const peer_login_request& r) const;
    boost::asio::awaitable<peer_reset_outcome> reset_here_or_not(const std::string& email,
                                                                 const reset_delivery& deliver) const;
    boost::asio::awaitable<std::optional<std::string>> call_peer(const site_entry& site,
                                                                 std::string kind,
                                                                 std::string body,
                                                                 std::string& message_id) const;
    std::optional<opened_envelope> open_request(std::string_view sealed, std::string_view kind) const;
    std::optional<std::string> open_reply(std::string_view sealed, std::string_view kind,
                                          std::string_view from) const;
    void refuse_envelope(std::string_view reason) const;
    boost::asio::awaitable<peer_login_reply> issue_handoff(const local_user& u, const login_attempt& a) const;
    boost::asio::awaitable<std::optional<placement_cache::entry>> placement_in_database(
        std::uint64_t account_id) const;
    bool is_handoff_url(const site_entry& site, std::string_view location) const;
    std::string seal_reply(const std::string& to, std::string kind, std::string body) const;
    std::string mint_cookie(const user_record& u, std::uint64_t placement_version) const;
    void record_failure(const login_attempt& a) const;

    config_ptr cfg_;
    login_shared shared_;
    std::shared_ptr<const key_ring> peer_keys_;
    session_codec codec_;
    user_directory users_;
    std::string own_origin_;
};

}  // namespace gangway
