#include "common/http/request_kind.hpp"

#include <algorithm>
#include <cctype>

#include "common/http/field_text.hpp"

namespace gangway {
namespace {

// q-value of one media range, 1.0 when absent; malformed q counts as 0.
double quality(std::string_view params) noexcept {
    while (!params.empty()) {
        auto semi = params.find(';');
        auto param = trim_ows(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
        if (param.size() < 2 || std::tolower(static_cast<unsigned char>(param[0])) != 'q' ||
            param[1] != '=')
            continue;
        auto v = param.substr(2);
        if (v.empty() || (v[0] != '0' && v[0] != '1')) return 0.0;
        double q = v[0] - '0';
        double scale = 0.1;
        for (std::size_t i = 2; i < v.size() && i < 5; ++i, scale /= 10)
            if (std::isdigit(static_cast<unsigned char>(v[i]))) q += (v[i] - '0') * scale;
        return std::min(q, 1.0);
    }
    return 1.0;
}

}  // namespace

bool accept_prefers_json(std::string_view accept) noexcept {
    double json = -1.0;
    double html = -1.0;
    while (!accept.empty()) {
        auto comma = accept.find(',');
        auto range = trim_ows(accept.substr(0, comma));
        accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
        auto semi = range.find(';');
        auto type = trim_ows(range.substr(0, semi));
        auto q = quality(semi == std::string_view::npos ? std::string_view{} : range.substr(semi + 1));
        if (iequals(type, "application/json")) json = std::max(json, q);
        if (iequals(type, "text/html")) html = std::max(html, q);
    }
    return json > 0.0 && json > html;
}

request_kind classify_request(const request_kind_inputs& in,
                              const std::vector<std::string>& api_prefixes) noexcept {
    if (!in.sec_fetch_mode.empty())
        return iequals(in.sec_fetch_mode, "navigate") &&
                       (in.sec_fetch_dest.empty() || iequals(in.sec_fetch_dest, "document"))
                   ? request_kind::page
                   : request_kind::ajax;
    if (!in.accept.empty() && accept_prefers_json(in.accept)) return request_kind::ajax;
    if (iequals(in.x_requested_with, "XMLHttpRequest")) return request_kind::ajax;
    for (const auto& prefix : api_prefixes)
        if (in.path.substr(0, prefix.size()) == prefix) return request_kind::ajax;
    return request_kind::page;
}

}  // namespace gangway
