#include "gateway/server/gateway_error.hpp"

#include <string>

namespace gangway {
namespace {

struct gateway_category_impl final : std::error_category {
    const char* name() const noexcept override { return "gangway"; }
    std::string message(int v) const override {
        return std::string(reason_name(static_cast<gateway_error>(v)));
    }
};

}  // namespace

const std::error_category& gateway_category() noexcept {
    static const gateway_category_impl instance;
    return instance;
}

std::error_code make_error_code(gateway_error e) noexcept {
    return {static_cast<int>(e), gateway_category()};
}

unsigned http_status(gateway_error e) noexcept {
    switch (e) {
        case gateway_error::bad_request: return 400;
        case gateway_error::body_too_large: return 413;
        case gateway_error::upstream_unavailable: return 502;
        case gateway_error::upstream_bad_response: return 502;
        case gateway_error::upstream_timeout: return 504;
        case gateway_error::not_ready: return 503;
    }
    return 500;
}

std::string_view reason_name(gateway_error e) noexcept {
    switch (e) {
        case gateway_error::bad_request: return "bad_request";
        case gateway_error::body_too_large: return "body_too_large";
        case gateway_error::upstream_unavailable: return "upstream_unavailable";
        case gateway_error::upstream_bad_response: return "upstream_bad_response";
        case gateway_error::upstream_timeout: return "upstream_timeout";
        case gateway_error::not_ready: return "not_ready";
    }
    return "internal_error";
}

}  // namespace gangway
