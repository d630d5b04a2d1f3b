#include "gateway/proxy/upstream_request.hpp"

#include <random>

#include <boost/beast/http/status.hpp>

#include "common/http/field_text.hpp"

namespace gangway {
namespace http = boost::beast::http;
namespace {

// RFC 9110 7.6.1 plus the legacy ones proxies still see; Content-Length goes too, because the
// writer sets fresh framing.
bool hop_by_hop(known_field f) noexcept {
    switch (f) {
    case known_field::connection:
    case known_field::keep_alive:
    case known_field::proxy_connection:
    case known_field::te:
    case known_field::trailer:
    case known_field::transfer_encoding:
    case known_field::upgrade:
    case known_field::proxy_authenticate:
    case known_field::proxy_authorization:
    case known_field::content_length:
        return true;
    default:
        return false;
    }
}

// Fields only the gateway may set towards the upstream, besides the configured identity ones.
bool gateway_set(known_field f) noexcept {
    switch (f) {
    case known_field::expect:
    case known_field::forwarded:
    case known_field::x_forwarded_for:
    case known_field::x_forwarded_proto:
    case known_field::x_forwarded_host:
    case known_field::x_real_ip:
    case known_field::x_request_id:
        return true;
    default:
        return false;
    }
}

bool named_in(std::string_view name, const std::vector<std::string>& names) noexcept {
    for (const auto& n : names)
        if (iequals(n, name)) return true;
    return false;
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
}

// The bytes of field line `i` of `lines` as received, "Name: value\r\n" with the sender's
// whitespace. Lines are contiguous in the parsed head, so line i ends where line i+1 begins;
// the last one ends after the CRLF that follows its value (and any trailing whitespace).
std::string_view raw_line(const std::vector<field_line>& lines, std::size_t i) noexcept {
    const char* begin = lines[i].name.data();
    const char* end;
    if (i + 1 < lines.size()) {
        end = lines[i + 1].name.data();
    } else {
        end = lines[i].value.data() + lines[i].value.size();
        while (*end != '\r') ++end;
        end += 2;
    }
    return {begin, static_cast<std::size_t>(end - begin)};
}

// Copies the kept field lines as received, one append per run of consecutive kept lines:
// a typical head is one to three runs. `drop(line)` says which lines are left out.
template <class Drop>
void append_kept_lines(std::string& out, const std::vector<field_line>& lines, Drop drop) {
    const char* run_begin = nullptr;
    const char* run_end = nullptr;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (drop(lines[i])) continue;
        const auto raw = raw_line(lines, i);
        if (raw.data() != run_end) {
            if (run_begin) out.append(run_begin, static_cast<std::size_t>(run_end - run_begin));
            run_begin = raw.data();
        }
        run_end = raw.data() + raw.size();
    }
    if (run_begin) out.append(run_begin, static_cast<std::size_t>(run_end - run_begin));
}

void append_decimal(std::string& out, std::uint64_t v) {
    char digits[20];
    std::size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) out.push_back(digits[--n]);
}

}  // namespace

void upstream_request_edits::reset(const head_fields& client) {
    client_ = &client;
    dropped_.clear();
    for (auto& a : added_) {
        a.second.clear();
        spare_.push_back(std::move(a.second));
    }
    added_.clear();
}

std::string_view upstream_request_edits::operator[](http::field f) const {
    const auto name = http::to_string(f);
    for (const auto& [n, v] : added_)
        if (iequals(n, name)) return v;
    if (drops(name)) return {};
    return f == http::field::cookie ? (*client_)[known_field::cookie] : client_->find(name);
}

void upstream_request_edits::set(http::field f, std::string_view value) {
    set(http::to_string(f), value);
}

void upstream_request_edits::set(std::string_view name, std::string_view value) {
    reserve_once();
    std::string copy;
    if (!spare_.empty()) {
        copy = std::move(spare_.back());
        spare_.pop_back();
    }
    copy.assign(value);  // before erase_name: `value` may be a string it moves
    erase_name(name);
    dropped_.push_back(name);
    added_.emplace_back(name, std::move(copy));
}

void upstream_request_edits::erase(http::field f) {
    const auto name = http::to_string(f);
    erase_name(name);
    reserve_once();
    dropped_.push_back(name);
}

// Room for the router's usual edits (Cookie and four identity fields) in one allocation each,
// instead of growing 1, 2, 4, 8.
void upstream_request_edits::reserve_once() {
    if (dropped_.capacity() == 0) {
        dropped_.reserve(8);
        added_.reserve(8);
        spare_.reserve(8);
    }
}

void upstream_request_edits::erase_name(std::string_view name) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < added_.size(); ++i) {
        if (iequals(added_[i].first, name)) {
            added_[i].second.clear();
            spare_.push_back(std::move(added_[i].second));
        } else if (kept++ != i) {
            added_[kept - 1] = std::move(added_[i]);
        }
    }
    added_.resize(kept);
}

bool upstream_request_edits::drops(std::string_view name) const noexcept {
    for (auto n : dropped_)
        if (iequals(n, name)) return true;
    return false;
}

void write_upstream_request_head(const request_head_view& in, std::string_view target,
                                 const forwarding_facts& facts, const identity_config& identity,
                                 const upstream_request_edits* edits, std::string& out) {
    out.clear();
    out.append(in.method);
    out.push_back(' ');
    out.append(target);
    out.append(" HTTP/1.1\r\n");
    const bool connection_names = in.fields.connection_names_fields();
    const bool edited = edits && !edits->added().empty();
    const bool dropping = edits != nullptr;
    append_kept_lines(out, in.fields.lines(), [&](const field_line& f) {
        return hop_by_hop(f.kind) || gateway_set(f.kind) ||
               (!identity.header_names.empty() && named_in(f.name, identity.header_names)) ||
               (connection_names && in.fields.named_in_connection(f.name)) ||
               (dropping && edits->drops(f.name));
    });
    append_field(out, "X-Forwarded-For", facts.client_ip);
    append_field(out, "X-Forwarded-Proto", facts.tls ? "https" : "http");
    if (auto host = in.fields[known_field::host]; !host.empty())
        append_field(out, "X-Forwarded-Host", host);
    append_field(out, "X-Request-Id", facts.request_id);
    if (facts.keep_upgrade) {
        append_field(out, "Connection", "upgrade");
        append_field(out, "Upgrade", "websocket");
    }
    if (edited)
        for (const auto& [name, value] : edits->added()) append_field(out, name, value);
    if (in.content_length) {
        out.append("Content-Length: ");
        append_decimal(out, *in.content_length);
        out.append("\r\n");
    } else if (in.chunked) {
        out.append("Transfer-Encoding: chunked\r\n");
    }
    out.append("\r\n");
}

void write_client_response_head(const response_head_view& in, std::string_view request_id,
                                const client_response_framing& framing, std::string& out) {
    out.clear();
    out.append("HTTP/1.1 ");
    out.append(in.status_digits);
    out.push_back(' ');
    if (!in.reason.empty()) out.append(in.reason);
    else out.append(http::obsolete_reason(http::int_to_status(in.status)));
    out.append("\r\n");
    const bool connection_names = in.fields.connection_names_fields();
    append_kept_lines(out, in.fields.lines(), [&](const field_line& f) {
        return hop_by_hop(f.kind) || f.kind == known_field::x_request_id ||
               (connection_names && in.fields.named_in_connection(f.name));
    });
    if (framing.tunnel) {
        auto upgrade = in.fields[known_field::upgrade];
        append_field(out, "Upgrade", upgrade.empty() ? std::string_view("websocket") : upgrade);
    }
    append_field(out, "X-Request-Id", request_id);
    if (framing.content_length) {
        out.append("Content-Length: ");
        append_decimal(out, *framing.content_length);
        out.append("\r\n");
    } else if (framing.chunked) {
        out.append("Transfer-Encoding: chunked\r\n");
    }
    // As Beast's keep_alive() left it: a tunnel's "upgrade" plus "close" (the connection is
    // the tunnel's from here on), "close" when the client connection ends after this answer,
    // "keep-alive" for an HTTP/1.0 client that keeps it.
    if (framing.tunnel) out.append("Connection: upgrade, close\r\n");
    else if (!framing.keep_alive) out.append("Connection: close\r\n");
    else if (framing.http10_client) out.append("Connection: keep-alive\r\n");
    out.append("\r\n");
}

bool well_formed_request_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 128) return false;
    for (unsigned char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

// xoshiro256** (Blackman and Vigna), seeded once per thread from std::random_device: a few
// instructions per 64 bits, where std::mt19937_64 spends hundreds refilling its state. Ids
// must be unique enough to correlate logs, not unpredictable.
std::uint64_t next_id_bits() noexcept {
    struct state_words {
        std::uint64_t s[4];
        state_words() {
            std::random_device rd;
            for (auto& w : s) w = (std::uint64_t{rd()} << 32) ^ rd();
            if (!(s[0] | s[1] | s[2] | s[3])) s[0] = 1;  // the one state it never leaves
        }
    };
    thread_local state_words st;
    auto& s = st.s;
    const auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
    const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

std::string new_request_id() {
    std::string id;
    new_request_id(id);
    return id;
}

void new_request_id(std::string& id) {
    static constexpr char hex[] = "0123456789abcdef";
    id.resize(32);
    char* out = id.data();
    for (int half = 0; half < 2; ++half) {
        auto bits = next_id_bits();
        for (int i = 0; i < 16; i += 2, bits >>= 8) {
            out[i] = hex[bits & 0xf];
            out[i + 1] = hex[(bits >> 4) & 0xf];
        }
        out += 16;
    }
}

}  // namespace gangway
