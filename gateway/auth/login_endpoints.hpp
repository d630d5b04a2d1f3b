#pragma once

#include <utility>  // Asio 1.18's awaitable.hpp needs it first

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "common/crypto/key_ring.hpp"
#include "common/http/local_reply.hpp"
#include "common/http/request_kind.hpp"
#include "gateway/auth/login_service.hpp"

namespace gangway {

// The embedded pages (sources: conf/login.html, conf/forgot.html).
namespace embedded {
extern const std::string_view login_page_html;
extern const std::string_view forgot_page_html;
}  // namespace embedded

// One request to the login flow's paths, with its body read (at most body_limit() bytes).
struct login_request {
    std::string_view method;
    std::string_view target;  // origin-form, with the query
    std::string_view path;
    request_kind kind = request_kind::page;
    std::string_view cookie;
    std::string_view origin;
    std::string_view referer;
    std::string_view user_agent;
    std::string_view content_type;
    std::string_view client_ip;
    std::string_view request_id;
    std::string body;
};

// The HTTP side of the login flow (PRODUCT.md "HTTP surface"): the login form and its submit,
// logout, the forgotten-password form, handoff redemption and the peer calls. Answers are
// built here; the decisions are login_service's. One per config generation.
//
// Forms are protected twice (csrf_token.hpp): a token bound to a pre-login cookie, and the
// Origin check. The `next` target never travels in the clear: GET /login validates it and
// the form carries it sealed (purpose "login_next"), so a submitted form can only land where
// this gateway agreed to.
class login_endpoints {
public:
    login_endpoints(std::shared_ptr<const login_service> service,
                    std::shared_ptr<const key_ring> form_keys,
                    login_service::reset_delivery deliver_reset);

    // Whether `path` belongs to the login flow (these requests never reach an upstream).
    bool handles(std::string_view path) const;
    // The most body bytes a request to `path` may carry (forms; sealed envelopes).
    std::size_t body_limit(std::string_view path) const;

    boost::asio::awaitable<string_response> handle(login_request r) const;

    // The access log's view of a target: a handoff token is replaced by "[redacted]".
    static std::string loggable_target(std::string_view target);

private:
    struct form_context;
    string_response login_form(const login_request& r) const;
    boost::asio::awaitable<string_response> login_submit(login_request r) const;
    string_response forgot_form(const login_request& r) const;
    boost::asio::awaitable<string_response> forgot_submit(login_request r) const;
    boost::asio::awaitable<string_response> logout(login_request r) const;
    boost::asio::awaitable<string_response> handoff(login_request r) const;
    boost::asio::awaitable<string_response> transfer(login_request r) const;
    boost::asio::awaitable<string_response> peer_call(login_request r) const;

    std::optional<form_context> checked_form(const login_request& r, string_response& refusal) const;
    boost::asio::awaitable<login_outcome> check_credentials(login_attempt attempt) const;
    string_response login_answer(const login_outcome& done, const std::string& csrf,
                                 const std::string& state, std::string_view request_id) const;
    string_response login_page(unsigned status, std::string_view error, const std::string& csrf,
                               const std::string& state) const;
    string_response forgot_page(unsigned status, std::string_view message, const std::string& csrf) const;
    std::string fresh_state(std::string_view next) const;
    std::string next_of(std::string_view state) const;
    boost::asio::awaitable<void> failure_delay(std::chrono::steady_clock::time_point started) const;

    std::shared_ptr<const login_service> service_;
    std::shared_ptr<const key_ring> form_keys_;
    login_service::reset_delivery deliver_reset_;
    std::string own_origin_;
    std::vector<std::string> site_origins_;
};

}  // namespace gangway
