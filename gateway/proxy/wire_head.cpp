#include "gateway/proxy/wire_head.hpp"

#include <boost/beast/http/status.hpp>

namespace gangway {
namespace http = boost::beast::http;
namespace {

template <bool IsRequest, class Fields>
void append_fields(const http::header<IsRequest, Fields>& head, std::string& out) {
    for (const auto& f : head) {
        out.append(f.name_string());
        out.append(": ");
        out.append(f.value());
        out.append("\r\n");
    }
    out.append("\r\n");
}

template <class Fields>
void serialize_request_head(const http::request_header<Fields>& head, std::string& out) {
    out.clear();
    out.append(head.method_string());
    out.push_back(' ');
    out.append(head.target());
    out.append(" HTTP/1.1\r\n");
    append_fields(head, out);
}

template <class Fields>
void serialize_response_head(const http::response_header<Fields>& head, std::string& out) {
    out.clear();
    out.append(head.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    out.append(std::to_string(head.result_int()));
    out.push_back(' ');
    auto reason = head.reason();
    out.append(reason.empty() ? http::obsolete_reason(head.result()) : reason);
    out.append("\r\n");
    append_fields(head, out);
}

}  // namespace

void serialize_head(const request_head& head, std::string& out) {
    serialize_request_head(head, out);
}

void serialize_head(const arena_request_head& head, std::string& out) {
    serialize_request_head(head, out);
}

void serialize_head(const response_head& head, std::string& out) {
    serialize_response_head(head, out);
}

void serialize_head(const arena_response_head& head, std::string& out) {
    serialize_response_head(head, out);
}

std::size_t chunk_size_line(std::size_t size, char* out) noexcept {
    static constexpr char hex[] = "0123456789abcdef";
    char digits[16];
    std::size_t n = 0;
    do {
        digits[n++] = hex[size & 0xf];
        size >>= 4;
    } while (size);
    for (std::size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
    out[n] = '\r';
    out[n + 1] = '\n';
    return n + 2;
}

}  // namespace gangway
