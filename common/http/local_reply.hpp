#pragma once

#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "common/http/request_kind.hpp"

namespace gangway {

using string_response = boost::beast::http::response<boost::beast::http::string_body>;

// The single way the gateway answers by itself. `reason` is the machine-readable reason (the
// same string as in metrics and the access log). Pages get a small HTML page, AJAX gets
// {"gangway":{"action":"error","status":N,"reason":"..."}}. Never caches; the caller decides
// keep-alive.
string_response local_reply(unsigned status, std::string_view reason, request_kind kind,
                            unsigned http_version = 11);

}  // namespace gangway
