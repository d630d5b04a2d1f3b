#pragma once

#include <string_view>

#include "common/http/local_reply.hpp"
#include "gateway/filters/routing_decision.hpp"

namespace gangway {

// The lock page and client script the binary carries (sources: conf/lock.html,
// conf/client.js).
namespace embedded {
extern const std::string_view lock_page_html;
extern const std::string_view client_js;
}  // namespace embedded

// The answer for every decision but route_action::proxy, exactly as PRODUCT.md's routing table
// gives it: lock page or JSON wait with Retry-After, redirect or 409 JSON with
// Gangway-Location, login redirect or 401 JSON, or a 503 page/JSON. Never cached.
string_response routing_answer(const routing_decision& d, request_kind kind,
                               unsigned retry_after_s, std::string_view request_id = {},
                               unsigned http_version = 11);

// The lock page with its placeholders filled ({{retry_after}}, {{status_url}}, {{request_id}}),
// each HTML-escaped.
std::string render_lock_page(std::string_view page_template, unsigned retry_after_s,
                             std::string_view request_id);

// GET /_gangway/status: the caller's placement, for the lock page's polling.
// state is "active", "locked", "moved" or "none" (no session); location only when moved.
string_response status_answer(std::string_view state, unsigned retry_after_s,
                              std::string_view location, unsigned http_version = 11);

// GET /_gangway/client.js.
string_response client_script_answer(unsigned http_version = 11);

}  // namespace gangway
