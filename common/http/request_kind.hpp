#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gangway {

// Whether a request is a browser navigation (answered with pages and HTTP redirects) or an
// AJAX/API call (answered with JSON the page's script can act on).
enum class request_kind { page, ajax };

// The request facts the decision needs; empty string_view means "header absent".
struct request_kind_inputs {
    std::string_view sec_fetch_mode;
    std::string_view sec_fetch_dest;
    std::string_view accept;
    std::string_view x_requested_with;
    std::string_view path;  // request-target without the query
};

// PRODUCT.md's order: Sec-Fetch-Mode not "navigate" (or Sec-Fetch-Dest not "document");
// Accept prefers JSON over HTML; X-Requested-With: XMLHttpRequest; path under an API prefix.
// The first rule whose header is present decides; with no signal at all it is a page.
request_kind classify_request(const request_kind_inputs& in,
                              const std::vector<std::string>& api_prefixes) noexcept;

// Preference of `accept` for application/json over text/html, by q-values
// (RFC 9110 12.5.1); true only when JSON is strictly preferred.
bool accept_prefers_json(std::string_view accept) noexcept;

}  // namespace gangway
