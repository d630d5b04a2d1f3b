#pragma once

#include <string_view>
#include <system_error>

namespace gangway {

// Gangway's own failures on the data path. Each maps to exactly one HTTP status
// (http_status) and one stable reason string (used in metrics, access logs and replies).
enum class gateway_error {
    bad_request = 1,       // refused by the strict head check or Beast's parser
    body_too_large,        // request body over limits.max_body_bytes
    upstream_unavailable,  // no upstream connection could be made, or it failed mid-answer
    upstream_timeout,      // connect or response deadline passed
    upstream_bad_response, // the upstream's answer could not be parsed
    not_ready,             // draining / not accepting this request
};

const std::error_category& gateway_category() noexcept;
std::error_code make_error_code(gateway_error e) noexcept;

// The one place a gateway_error becomes an HTTP status.
unsigned http_status(gateway_error e) noexcept;
std::string_view reason_name(gateway_error e) noexcept;

}  // namespace gangway

template <>
struct std::is_error_code_enum<gangway::gateway_error> : std::true_type {};
