#include "gateway/auth/login_endpoints.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>

#include "common/crypto/random_id.hpp"
#include "common/crypto/sealed_box.hpp"
#include "common/http/field_text.hpp"
#include "common/http/html_template.hpp"
#include "common/session/session_cookie.hpp"
#include "gateway/auth/csrf_token.hpp"
#include "gateway/auth/form_body.hpp"
#include "gateway/auth/next_target.hpp"
#include "gateway/auth/peer_envelope.hpp"
#include "gateway/filters/routing_answer.hpp"
#include "gateway/filters/routing_decision.hpp"

namespace gangway {
namespace http = boost::beast::http;
namespace {

constexpr std::string_view handoff_path = "/_gangway/handoff";
constexpr std::string_view prelogin_cookie = "__Host-gangway-prelogin";
constexpr std::string_view next_purpose = "login_next";
constexpr std::string_view form_type = "application/x-www-form-urlencoded";

constexpr std::string_view failed_message = "That email and password do not match an account.";
constexpr std::string_view limited_message =
    "Too many sign-in attempts. Wait a minute, then try again.";
constexpr std::string_view unavailable_message =
    "Signing in is not possible right now. Try again in a minute.";
constexpr std::string_view expired_message = "This form has expired. Please try again.";
constexpr std::string_view reset_message =
    "If an account uses that email, a link to reset its password is on its way.";

constexpr std::string_view notice_template = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<title>{{title}}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 30rem; margin: 4rem auto">
<h1>{{title}}</h1><p>{{message}}</p><p><a href="{{link}}">Sign in</a></p></body></html>
)";

string_response page(unsigned status, std::string body, unsigned version = 11) {
    string_response res{static_cast<http::status>(status), version};
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

string_response see_other(const std::string& location) {
    string_response res{http::status::see_other, 11};
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::location, location);
    res.prepare_payload();
    return res;
}

string_response notice(unsigned status, std::string_view title, std::string_view message,
                       std::string_view login_path) {
    auto res = page(status, fill_template(notice_template,
                                          {{"title", title}, {"message", message}, {"link", login_path}}));
    res.set("Referrer-Policy", "no-referrer");
    return res;
}

string_response method_not_allowed(std::string_view allow, request_kind kind) {
    auto res = local_reply(405, "method_not_allowed", kind);
    res.set(http::field::allow, allow);
    return res;
}

boost::asio::awaitable<string_response> ready(string_response res) { co_return res; }

std::string prelogin_set_cookie(std::string_view id) {
    std::string c(prelogin_cookie);
    c.append("=").append(id).append("; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=");
    c.append(std::to_string(csrf_token_max_age.count()));
    return c;
}

std::string prelogin_clear_cookie() {
    return std::string(prelogin_cookie) + "=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0";
}

std::string_view field_or_empty(const form_fields& f, std::string_view name) {
    const auto it = f.find(name);
    return it == f.end() ? std::string_view{} : std::string_view(it->second);
}

bool is_form(std::string_view content_type) {
    const auto media = content_type.substr(0, content_type.find(';'));
    return iequals(trim_ows(media), form_type);
}

std::string outcome_name(login_outcome::kind k) {
    switch (k) {
        case login_outcome::kind::signed_in: return "signed_in";
        case login_outcome::kind::handed_over: return "handed_over";
        case login_outcome::kind::locked: return "locked";
        case login_outcome::kind::failed: return "failed";
        case login_outcome::kind::limited: return "limited";
        case login_outcome::kind::unavailable: break;
    }
    return "unavailable";
}

}  // namespace

// A submitted form that passed the Origin and CSRF checks.
struct login_endpoints::form_context {
    form_fields fields;
    std::string csrf;  // the token it carried, still valid: re-rendered pages reuse it
};

login_endpoints::login_endpoints(std::shared_ptr<const login_service> service,
                                 std::shared_ptr<const key_ring> form_keys,
                                 login_service::reset_delivery deliver_reset)
    : service_(std::move(service)), form_keys_(std::move(form_keys)), deliver_reset_(std::move(deliver_reset)) {
    const auto& sites = service_->cfg().sites;
    for (const auto& s : sites.entries) {
        if (s.name == sites.self) own_origin_ = s.origin;
        site_origins_.push_back(s.origin);
    }
}

bool login_endpoints::handles(std::string_view path) const {
    const auto& routing = service_->cfg().routing;
    return path == routing.login_path || path == routing.logout_path || path == routing.forgot_path ||
           path == handoff_path || path == transfer_path ||
           path.substr(0, peer_path_prefix.size()) == peer_path_prefix;
}

std::size_t login_endpoints::body_limit(std::string_view path) const {
    if (path.substr(0, peer_path_prefix.size()) == peer_path_prefix) return max_envelope_sealed_bytes;
    return service_->cfg().login.max_form_bytes;
}

std::string login_endpoints::loggable_target(std::string_view target) {
    if (target.substr(0, handoff_path.size()) != handoff_path || target.size() == handoff_path.size())
        return std::string(target);
    return "/_gangway/handoff?[redacted]";
}

boost::asio::awaitable<string_response> login_endpoints::handle(login_request r) const {
    // Not a coroutine itself: it hands `r` on by value to the one that answers.
    const auto& routing = service_->cfg().routing;
    const bool get = r.method == "GET" || r.method == "HEAD";
    const bool post = r.method == "POST";
    if (r.path == routing.login_path) {
        if (get) return ready(login_form(r));
        if (post) return login_submit(std::move(r));
        return ready(method_not_allowed("GET, HEAD, POST", r.kind));
    }
    if (r.path == routing.forgot_path) {
        if (get) return ready(forgot_form(r));
        if (post) return forgot_submit(std::move(r));
        return ready(method_not_allowed("GET, HEAD, POST", r.kind));
    }
    if (r.path == routing.logout_path)
        return post ? logout(std::move(r)) : ready(method_not_allowed("POST", r.kind));
    if (r.path == handoff_path)
        return get ? handoff(std::move(r)) : ready(method_not_allowed("GET, HEAD", r.kind));
    if (r.path == transfer_path)
        return get ? transfer(std::move(r)) : ready(method_not_allowed("GET, HEAD", r.kind));
    return post ? peer_call(std::move(r)) : ready(method_not_allowed("POST", r.kind));
}

// ---- the forms ----------------------------------------------------------------------------

string_response login_endpoints::login_form(const login_request& r) const {
    const std::string next = query_parameter(r.target, "next").value_or("/");
    if (const auto value = find_cookie(r.cookie, service_->cfg().session.cookie_name)) {
        if (service_->open_session(*value))  // signed in already: straight on
            return see_other(validated_next(next, own_origin_, {}).value_or("/"));
    }
    const auto existing = find_cookie(r.cookie, prelogin_cookie);
    const bool fresh = !existing || !is_hex_id(*existing);
    const std::string prelogin = fresh ? random_hex_id() : std::string(*existing);
    auto res = login_page(200, {}, csrf_token_for(*form_keys_, prelogin, std::chrono::system_clock::now()),
                          fresh_state(next));
    if (fresh) res.set(http::field::set_cookie, prelogin_set_cookie(prelogin));
    return res;
}

string_response login_endpoints::forgot_form(const login_request& r) const {
    const auto existing = find_cookie(r.cookie, prelogin_cookie);
    const bool fresh = !existing || !is_hex_id(*existing);
    const std::string prelogin = fresh ? random_hex_id() : std::string(*existing);
    auto res = forgot_page(200, {}, csrf_token_for(*form_keys_, prelogin, std::chrono::system_clock::now()));
    if (fresh) res.set(http::field::set_cookie, prelogin_set_cookie(prelogin));
    return res;
}

std::optional<login_endpoints::form_context> login_endpoints::checked_form(const login_request& r,
                                                                           string_response& refusal) const {
    if (!is_form(r.content_type)) {
        refusal = local_reply(415, "not_a_form", r.kind);
        return std::nullopt;
    }
    if (!same_origin_request(r.origin, r.referer, own_origin_)) {
        refusal = local_reply(403, "cross_origin_form", r.kind);
        return std::nullopt;
    }
    auto fields = parse_form(r.body);
    if (!fields) {
        refusal = local_reply(400, "malformed_form", r.kind);
        return std::nullopt;
    }
    form_context form{std::move(*fields), {}};
    form.csrf = std::string(field_or_empty(form.fields, "csrf"));
    const auto prelogin = find_cookie(r.cookie, prelogin_cookie);
    if (!prelogin || !csrf_token_valid(*form_keys_, form.csrf, *prelogin, std::chrono::system_clock::now())) {
        // Expired or forged: the same form again, with a fresh token, to try once more.
        const bool is_login = r.path == service_->cfg().routing.login_path;
        const std::string id = prelogin && is_hex_id(*prelogin) ? std::string(*prelogin) : random_hex_id();
        const auto token = csrf_token_for(*form_keys_, id, std::chrono::system_clock::now());
        refusal = is_login ? login_page(403, expired_message, token,
                                        std::string(field_or_empty(form.fields, "state")))
                           : forgot_page(403, expired_message, token);
        refusal.set(http::field::set_cookie, prelogin_set_cookie(id));
        return std::nullopt;
    }
    return form;
}

boost::asio::awaitable<string_response> login_endpoints::login_submit(login_request r) const {
    const auto started = std::chrono::steady_clock::now();
    string_response refusal;
    auto form = checked_form(r, refusal);
    if (!form) co_return refusal;
    const std::string state(field_or_empty(form->fields, "state"));
    login_attempt attempt{std::string(field_or_empty(form->fields, "email")),
                          std::string(field_or_empty(form->fields, "password")), next_of(state),
                          std::string(r.client_ip), std::string(r.user_agent)};
    // Made first, awaited after: see login_service.cpp on GCC 12 and co_await temporaries.
    auto checking = check_credentials(std::move(attempt));
    const login_outcome done = co_await std::move(checking);
    service_->count_login(done.path, outcome_name(done.what));
    if (done.what == login_outcome::kind::failed || done.what == login_outcome::kind::unavailable)
        co_await failure_delay(started);
    co_return login_answer(done, form->csrf, state, r.request_id);
}

boost::asio::awaitable<login_outcome> login_endpoints::check_credentials(login_attempt attempt) const {
    const auto& limits = service_->cfg().login;
    // Empty or oversized fields are never looked up or hashed: a plain failure.
    if (attempt.email.empty() || attempt.password.empty() || attempt.email.size() > limits.max_email_bytes ||
        attempt.password.size() > limits.max_password_bytes)
        co_return login_outcome{};
    auto signing_in = service_->sign_in(std::move(attempt));
    co_return co_await std::move(signing_in);
}

string_response login_endpoints::login_answer(const login_outcome& done, const std::string& csrf,
                                              const std::string& state, std::string_view request_id) const {
    switch (done.what) {
        case login_outcome::kind::signed_in: {
            auto res = see_other(done.location);
            res.insert(http::field::set_cookie, done.cookie);
            res.insert(http::field::set_cookie, prelogin_clear_cookie());
            return res;
        }
        case login_outcome::kind::handed_over: {
            auto res = see_other(done.location);
            res.set("Referrer-Policy", "no-referrer");
            return res;
        }
        case login_outcome::kind::locked: {
            const unsigned retry = service_->cfg().placement.lock_retry_after_s;
            auto res = page(503, render_lock_page(embedded::lock_page_html, retry, request_id));
            res.set(http::field::retry_after, std::to_string(retry));
            return res;
        }
        case login_outcome::kind::limited: {
            auto res = login_page(429, limited_message, csrf, state);
            res.set(http::field::retry_after, "60");
            return res;
        }
        case login_outcome::kind::failed: return login_page(200, failed_message, csrf, state);
        case login_outcome::kind::unavailable: break;
    }
    auto res = login_page(503, unavailable_message, csrf, state);
    res.set(http::field::retry_after, "30");
    return res;
}

boost::asio::awaitable<string_response> login_endpoints::forgot_submit(login_request r) const {
    string_response refusal;
    auto form = checked_form(r, refusal);
    if (!form) co_return refusal;
    std::string email(trimmed_email(field_or_empty(form->fields, "email")));
    if (!email.empty() && email.size() <= service_->cfg().login.max_email_bytes) {
        if (!service_->allow_reset(r.client_ip, email)) {
            auto res = forgot_page(429, limited_message, form->csrf);
            res.set(http::field::retry_after, "60");
            co_return res;
        }
        // Answered at once, the same for every email; the reset runs on its own.
        auto executor = co_await boost::asio::this_coro::executor;
        auto run = [service = service_, email = std::move(email), ip = std::string(r.client_ip),
                    deliver = deliver_reset_]() -> boost::asio::awaitable<void> {
            auto reset = service->request_reset(email, ip, deliver);
            co_await std::move(reset);
        };
        boost::asio::co_spawn(executor, std::move(run), boost::asio::detached);
    }
    co_return forgot_page(200, reset_message, form->csrf);
}

boost::asio::awaitable<string_response> login_endpoints::logout(login_request r) const {
    const auto& cfg = service_->cfg();
    if (!same_origin_request(r.origin, r.referer, own_origin_))
        co_return local_reply(403, "cross_origin_form", r.kind);
    if (const auto value = find_cookie(r.cookie, cfg.session.cookie_name)) {
        if (auto who = service_->open_session(*value)) {
            auto signing_out = service_->sign_out(std::move(*who));
            co_await std::move(signing_out);
        }
    }
    auto res = see_other(cfg.routing.login_path);
    res.set(http::field::set_cookie, session_clear_cookie(cfg.session));
    co_return res;
}

// ---- handoff and peers --------------------------------------------------------------------

boost::asio::awaitable<string_response> login_endpoints::handoff(login_request r) const {
    const auto& login_path = service_->cfg().routing.login_path;
    const auto token = query_parameter(r.target, "token");
    handoff_outcome out;
    if (token) {
        auto redeeming = service_->redeem(*token, std::string(r.client_ip), std::string(r.user_agent));
        out = co_await std::move(redeeming);
    }
    if (!out.cookie.empty()) {
        auto res = see_other(out.location);
        res.set(http::field::set_cookie, out.cookie);
        res.set("Referrer-Policy", "no-referrer");
        co_return res;
    }
    if (out.reason == "unavailable")
        co_return notice(503, "Try again in a minute", unavailable_message, login_path);
    co_return notice(403, "This sign-in link is no longer valid",
                     "Links like this one work once, for a short time. Sign in again to continue.",
                     login_path);
}

boost::asio::awaitable<string_response> login_endpoints::transfer(login_request r) const {
    // Only a path on this site: the same path is asked for on the account's new site.
    std::string next = query_parameter(r.target, "next").value_or("/");
    if (!validated_next(next, own_origin_, {}) || next.front() != '/') next = "/";
    const auto value = find_cookie(r.cookie, service_->cfg().session.cookie_name);
    auto who = value ? service_->open_session(*value) : std::nullopt;
    if (!who) co_return see_other(login_location(service_->cfg().routing.login_path, next));
    const std::string destination = service_->moved_to_origin(who->account_id);
    if (destination.empty()) co_return see_other(next);  // not moved (any more): stay here
    auto handing_over = service_->transfer(*who, next, std::string(r.client_ip), std::string(r.user_agent));
    const auto handoff_url = co_await std::move(handing_over);
    auto res = see_other(handoff_url ? *handoff_url : destination + next);
    res.set("Referrer-Policy", "no-referrer");
    co_return res;
}

boost::asio::awaitable<string_response> login_endpoints::peer_call(login_request r) const {
    const auto kind = r.path.substr(peer_path_prefix.size());
    if (kind != "login" && kind != "reset" && kind != "transfer")
        co_return local_reply(404, "not_found", request_kind::ajax);
    auto answering = kind == "login"   ? service_->answer_peer_login(std::move(r.body))
                     : kind == "reset" ? service_->answer_peer_reset(std::move(r.body), deliver_reset_)
                                       : service_->answer_peer_transfer(std::move(r.body));
    std::optional<std::string> reply = co_await std::move(answering);
    if (!reply) co_return local_reply(403, "envelope_refused", request_kind::ajax);
    string_response res{http::status::ok, 11};
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::content_type, "text/plain");
    res.body() = std::move(*reply);
    res.prepare_payload();
    co_return res;
}

// ---- pieces -------------------------------------------------------------------------------

string_response login_endpoints::login_page(unsigned status, std::string_view error,
                                            const std::string& csrf, const std::string& state) const {
    const auto& cfg = service_->cfg();
    std::string signup = cfg.routing.signup_prefixes.empty() ? "/" : cfg.routing.signup_prefixes.front();
    return page(status, fill_template(embedded::login_page_html,
                                      {{"error", error},
                                       {"login_path", cfg.routing.login_path},
                                       {"csrf_token", csrf},
                                       {"state", state},
                                       {"forgot_url", cfg.routing.forgot_path},
                                       {"signup_url", signup}}));
}

string_response login_endpoints::forgot_page(unsigned status, std::string_view message,
                                             const std::string& csrf) const {
    const auto& routing = service_->cfg().routing;
    return page(status, fill_template(embedded::forgot_page_html, {{"message", message},
                                                                   {"forgot_path", routing.forgot_path},
                                                                   {"csrf_token", csrf},
                                                                   {"login_path", routing.login_path}}));
}

std::string login_endpoints::fresh_state(std::string_view next) const {
    const auto valid = validated_next(next, own_origin_, site_origins_);
    return seal(*form_keys_, next_purpose, valid.value_or("/"));
}

std::string login_endpoints::next_of(std::string_view state) const {
    return open_sealed(*form_keys_, next_purpose, state).value_or("/");
}

boost::asio::awaitable<void> login_endpoints::failure_delay(std::chrono::steady_clock::time_point started) const {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                    started + service_->cfg().login.failure_answer);
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
}

}  // namespace gangway
