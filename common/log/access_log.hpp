#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace gangway {

// One request as the access log sees it. Never holds query values, cookies, tokens or bodies:
// `path` is the path with every query value blanked (access_log::redact_target).
struct access_record {
    std::string_view request_id;
    std::string_view connection_id;
    std::string_view client;
    std::string_view method;
    std::string_view target;  // raw target; redacted when written
    unsigned status = 0;
    std::string_view reason;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::string_view upstream;  // "host:port" or empty
    std::chrono::microseconds total{0};
    std::chrono::microseconds upstream_time{0};
};

namespace access_log {

inline constexpr const char* logger_name = "access";

// "stdout", "off" or a file path. Replaces the previous destination.
void configure(const std::string& destination);

bool enabled() noexcept;

// Writes one JSON line. Cheap no-op when the access log is off.
void write(const access_record& r);

// "/a/b?x=1&token=abc" -> "/a/b?x=&token=": keeps parameter names, drops every value.
std::string redact_target(std::string_view target);

}  // namespace access_log
}  // namespace gangway
