#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gangway {

// The fields of an application/x-www-form-urlencoded body (what an HTML form posts), decoded:
// '+' is a space, %XX a byte. Refused (nullopt), because a form we made never looks like it:
// a malformed escape, more than max_fields fields, a field name given twice (which of two
// `next` or `email` values would we trust?), or an empty name. Values may hold any byte,
// NUL included; callers check them.
using form_fields = std::map<std::string, std::string, std::less<>>;
std::optional<form_fields> parse_form(std::string_view body, std::size_t max_fields = 16);

// The decoded value of `name` in a request target's query ("/p?a=1&b=2"), nullopt when it is
// absent, given twice or malformed.
std::optional<std::string> query_parameter(std::string_view target, std::string_view name);

// Percent-encodes everything but unreserved characters (RFC 3986): for form bodies and query
// values we send.
std::string form_encode(std::string_view value);

}  // namespace gangway
