#include "gateway/filters/routing_answer.hpp"

#include <string>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>

#include "common/http/html_template.hpp"

namespace gangway {
namespace http = boost::beast::http;
namespace {

constexpr std::string_view status_path = "/_gangway/status";

string_response answer(unsigned status, unsigned http_version) {
    string_response res{static_cast<http::status>(status), http_version};
    res.set(http::field::cache_control, "no-store");
    return res;
}

void json_body(string_response& res, const nlohmann::json& body) {
    res.set(http::field::content_type, "application/json");
    res.body() = body.dump() + "\n";
    res.prepare_payload();
}

string_response lock_answer(request_kind kind, unsigned retry_after_s, std::string_view request_id,
                            unsigned version) {
    auto res = answer(503, version);
    res.set(http::field::retry_after, std::to_string(retry_after_s));
    if (kind == request_kind::ajax) {
        json_body(res, {{"gangway", {{"action", "wait"}, {"retry_after", retry_after_s}}}});
        return res;
    }
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.body() = render_lock_page(embedded::lock_page_html, retry_after_s, request_id);
    res.prepare_payload();
    return res;
}

string_response redirect_answer(const routing_decision& d, unsigned version) {
    auto res = answer(d.status, version);
    if (d.action == route_action::redirect_json) {
        res.set("Gangway-Location", d.location);
        json_body(res, {{"gangway",
                         {{"action", "redirect"}, {"location", d.location}, {"reason", "moved"}}}});
        return res;
    }
    if (d.action == route_action::login_json) {
        json_body(res, {{"gangway", {{"action", "login"}, {"location", d.location}}}});
        return res;
    }
    res.set(http::field::location, d.location);
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.body() = "<!doctype html>\n<p>Continue at <a href=\"" + html_escape(d.location) + "\">" +
                 html_escape(d.location) + "</a>.</p>\n";
    res.prepare_payload();
    return res;
}

}  // namespace

std::string render_lock_page(std::string_view page_template, unsigned retry_after_s,
                             std::string_view request_id) {
    const std::string retry = std::to_string(retry_after_s);
    return fill_template(page_template, {{"retry_after", retry},
                                         {"status_url", status_path},
                                         {"request_id", request_id}});
}

string_response routing_answer(const routing_decision& d, request_kind kind,
                               unsigned retry_after_s, std::string_view request_id,
                               unsigned http_version) {
    switch (d.action) {
        case route_action::lock_page:
        case route_action::lock_json:
            return lock_answer(kind, retry_after_s, request_id, http_version);
        case route_action::redirect_page:
        case route_action::redirect_json:
        case route_action::login_page:
        case route_action::login_json:
            return redirect_answer(d, http_version);
        case route_action::proxy:
        case route_action::unavailable:
            break;
    }
    auto res = local_reply(d.status ? d.status : 503, d.reason, kind, http_version);
    res.set(http::field::retry_after, std::to_string(retry_after_s));
    return res;
}

string_response status_answer(std::string_view state, unsigned retry_after_s,
                              std::string_view location, unsigned http_version) {
    auto res = answer(200, http_version);
    nlohmann::json body = {{"state", state}, {"retry_after", retry_after_s}};
    if (!location.empty()) body["location"] = location;
    json_body(res, {{"gangway", body}});
    return res;
}

string_response client_script_answer(unsigned http_version) {
    auto res = answer(200, http_version);
    res.set(http::field::cache_control, "public, max-age=300");
    res.set(http::field::content_type, "text/javascript; charset=utf-8");
    res.set("X-Content-Type-Options", "nosniff");
    res.body() = std::string(embedded::client_js);
    res.prepare_payload();
    return res;
}

}  // namespace gangway
