// libFuzzer target for what the login path reads from browsers and peers: sealed peer
// envelopes, CSRF tokens and the Origin/Referer check, post-login `next` targets, and handoff
// tokens. The first byte picks the reader (login_fuzz_fixture.hpp); the rest is its input.
// Nothing may crash, leak, hang or hit undefined behaviour, and each reader keeps its
// documented contract, checked below with abort() against limits written out independently
// of the production code.
//
// Handoff tokens: store_handoff and redeem_handoff need a MySQL connection. They get one that
// throws on every call, so only the checks made before any query run; the contract checked is
// that a malformed token (or, for store, a grant field longer than its column) never reaches
// the connection, and that a well-formed token with a fitting grant does. What the queries do
// with a token is left to the database tests.
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <cppconn/connection.h>
#include <cppconn/exception.h>

#include "common/auth/handoff_token.hpp"
#include "common/crypto/base64url.hpp"
#include "common/crypto/sealed_box.hpp"
#include "common/time/clock.hpp"
#include "gateway/auth/csrf_token.hpp"
#include "gateway/auth/next_target.hpp"
#include "gateway/auth/peer_envelope.hpp"
#include "tests/fuzz/login_fuzz_fixture.hpp"

namespace {

using namespace gangway;
using namespace gangway::fuzz_login;
using std::chrono::seconds;
using time_point = std::chrono::system_clock::time_point;

[[noreturn]] void contract_broken(const char* condition, int line) {
    std::fprintf(stderr, "login_fuzz.cpp:%d: contract broken: %s\n", line, condition);
    std::abort();
}
// A macro, not a function: the report names the condition and its line (clang 14 has no
// std::source_location).
#define REQUIRE(condition) ((condition) ? void() : contract_broken(#condition, __LINE__))

// Reads an input front to back; past the end, every read gives zeros or empty text.
class input_reader {
public:
    explicit input_reader(std::string_view data) : data_(data) {}
    std::uint8_t byte() {
        if (data_.empty()) return 0;
        const auto b = static_cast<std::uint8_t>(data_.front());
        data_.remove_prefix(1);
        return b;
    }
    std::int16_t int16() {
        const auto hi = byte();
        return static_cast<std::int16_t>(static_cast<std::uint16_t>(hi << 8 | byte()));
    }
    std::string_view take(std::size_t n) {
        const auto s = data_.substr(0, std::min(n, data_.size()));
        data_.remove_prefix(s.size());
        return s;
    }
    std::string_view text() { return take(byte()); }  // one length byte, then the text
    std::string_view rest() { return take(data_.size()); }

private:
    std::string_view data_;
};

// Edits of three bytes each (operation, position, value) applied to `text`: replace, insert
// or erase one byte. Positions wrap, so every edit lands somewhere.
std::string edited(std::string text, std::string_view edits) {
    input_reader in(edits);
    for (std::size_t n = edits.size() / 3; n > 0; --n) {
        const int op = in.byte() % 3;
        const std::size_t pos = in.byte();
        const char value = static_cast<char>(in.byte());
        if (op == 1) {
            text.insert(text.begin() + static_cast<std::ptrdiff_t>(pos % (text.size() + 1)), value);
        } else if (!text.empty()) {
            const std::size_t at = pos % text.size();
            if (op == 0)
                text[at] = value;
            else
                text.erase(at, 1);
        }
    }
    return text;
}

bool is_lower_hex(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool only(std::string_view s, std::string_view lower_extra, bool digits, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    return std::all_of(s.begin(), s.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (digits && c >= '0' && c <= '9') ||
               lower_extra.find(c) != std::string_view::npos;
    });
}
bool site_name(std::string_view s) { return only(s, "_-", true, 64); }
bool kind_name(std::string_view s) { return only(s, "_", false, 32); }

// ---- peer envelopes ------------------------------------------------------------------------

struct envelope_check {
    std::shared_ptr<const key_ring> ring = fixed_ring();
    manual_clock clock{base_time};
    envelope_opener opener{ring, clock, std::string(self_site)};
};

// What holds for every result of open(): an accepted envelope is within every documented
// limit, is addressed to us by someone else, is live now, and opens only once.
void check_open(envelope_check& c, std::string_view sealed, const envelope_open_result& r) {
    if (!r) {
        REQUIRE(r.refusal <= envelope_refusal::too_large);
        REQUIRE(to_string(r.refusal) != "unknown");
        if (sealed.size() > max_envelope_sealed_bytes)
            REQUIRE(r.refusal == envelope_refusal::too_large);
        return;
    }
    const opened_envelope& e = *r.envelope;
    const std::int64_t now = unix_seconds(c.clock.now());
    REQUIRE(sealed.size() <= max_envelope_sealed_bytes);
    REQUIRE(e.version == envelope_version);
    REQUIRE(site_name(e.sender) && site_name(e.audience));
    REQUIRE(e.audience == self_site && e.sender != self_site);
    REQUIRE(kind_name(e.kind));
    REQUIRE(e.body.size() <= max_envelope_body_bytes);
    REQUIRE(e.message_id.size() == 32 && is_lower_hex(e.message_id));
    // In 128 bits: the difference of two arbitrary 64-bit times must not wrap.
    const __int128 lifetime = static_cast<__int128>(e.expires_at) - e.issued_at;
    REQUIRE(lifetime > 0 && lifetime <= max_envelope_ttl.count());
    REQUIRE(e.expires_at > now);
    REQUIRE(static_cast<__int128>(e.issued_at) <=
            static_cast<__int128>(now) + envelope_future_skew.count());
    REQUIRE(c.opener.remembered() == 1);
    const auto again = c.opener.open(sealed);
    REQUIRE(!again && again.refusal == envelope_refusal::replayed);
}

void envelope_text(std::string_view input) {
    envelope_check c;
    check_open(c, input, c.opener.open(input));
}

// Sealing is ours, so open() sees every plaintext: an accepted one must be exactly the
// documented encoding of the fields it returned (nothing ignored, nothing after the body).
void envelope_payload(std::string_view input) {
    envelope_check c;
    const std::string sealed = seal(*c.ring, "envelope", input);
    const auto r = c.opener.open(sealed);
    check_open(c, sealed, r);
    if (!r) {
        REQUIRE(
            r.refusal == envelope_refusal::malformed || r.refusal == envelope_refusal::too_large ||
            r.refusal == envelope_refusal::reflected ||
            r.refusal == envelope_refusal::wrong_audience ||
            r.refusal == envelope_refusal::expired || r.refusal == envelope_refusal::not_yet_valid);
        return;
    }
    const opened_envelope& e = *r.envelope;
    envelope_fields f{e.version,
                      e.sender,
                      e.audience,
                      static_cast<std::uint64_t>(e.issued_at),
                      static_cast<std::uint64_t>(e.expires_at),
                      {},
                      e.kind,
                      e.body};
    for (std::size_t i = 0; i < e.message_id.size(); i += 2)
        f.raw_id += static_cast<char>(std::stoi(e.message_id.substr(i, 2), nullptr, 16));
    REQUIRE(envelope_plaintext(f) == input);
}

// fresh() refuses exactly the documented invalid fields; a valid envelope seals within the
// size bound and opens with the same fields for its audience while live, once.
// Input: ttl s (1 byte), clock offset s (1 byte, signed), sender, audience, kind (each one
// length byte and text), body (the rest).
void envelope_fields_round_trip(std::string_view input) {
    input_reader in(input);
    const seconds ttl(in.byte());
    const seconds offset(static_cast<std::int8_t>(in.byte()));
    const std::string sender(in.text()), audience(in.text()), kind(in.text()), body(in.rest());
    const bool valid_names =
        site_name(sender) && site_name(audience) && sender != audience && kind_name(kind);
    const bool valid_ttl = ttl >= seconds(1) && ttl <= max_envelope_ttl;
    std::optional<envelope> e;
    try {
        e = envelope::fresh(sender, audience, kind, body, base_time, ttl);
    } catch (const std::invalid_argument&) {
        REQUIRE(!valid_names || !valid_ttl);
        return;
    } catch (const std::length_error&) {
        REQUIRE(valid_names && valid_ttl && body.size() > max_envelope_body_bytes);
        return;
    }
    REQUIRE(valid_names && valid_ttl && body.size() <= max_envelope_body_bytes);
    REQUIRE(e->issued_at() == base_s && e->expires_at() == base_s + ttl.count());
    const std::string sealed = seal_envelope(*fixed_ring(), *e);  // must not throw
    REQUIRE(sealed.size() <= max_envelope_sealed_bytes);

    manual_clock clock{base_time + offset};
    envelope_opener for_audience(fixed_ring(), clock, audience);
    const auto r = for_audience.open(sealed);
    if (offset >= ttl) {
        REQUIRE(!r && r.refusal == envelope_refusal::expired);
    } else if (offset < -envelope_future_skew) {
        REQUIRE(!r && r.refusal == envelope_refusal::not_yet_valid);
    } else {
        REQUIRE(r.envelope.has_value());
        REQUIRE(r.envelope->sender == sender && r.envelope->audience == audience &&
                r.envelope->kind == kind && r.envelope->body == body &&
                r.envelope->message_id == e->message_id() &&
                r.envelope->issued_at == e->issued_at() &&
                r.envelope->expires_at == e->expires_at());
        const auto again = for_audience.open(sealed);
        REQUIRE(!again && again.refusal == envelope_refusal::replayed);
    }
    envelope_opener for_sender(fixed_ring(), clock, sender);
    const auto reflected = for_sender.open(sealed);
    REQUIRE(!reflected && reflected.refusal == envelope_refusal::reflected);
}

// Any change to a valid sealed envelope is refused; the untouched text is accepted.
// Input: byte 0 picks the envelope (newest or rotated-out key), the rest are edits.
void envelope_tamper(std::string_view input) {
    static const std::array<std::string, 2> originals = [] {
        std::array<std::string, 2> out;
        for (std::size_t k = 0; k < out.size(); ++k)
            out[k] =
                seal_envelope(*single_key_ring(k),
                              envelope::fresh(std::string(peer_site), std::string(self_site),
                                              "login_request", R"({"email":"a@b.c"})", base_time));
        return out;
    }();
    input_reader in(input);
    const std::string& original = originals[in.byte() % originals.size()];
    const std::string changed = edited(original, in.rest());
    envelope_check c;
    const auto r = c.opener.open(changed);
    check_open(c, changed, r);
    REQUIRE(r.envelope.has_value() == (changed == original));
}

// One opener over a sequence of opens and clock steps (backwards too), compared step by step
// with a model of envelope_opener's documented replay cache: each message id accepted at most
// once, ids forgotten only once expired by the latest time seen, `overloaded` exactly when
// `replay_capacity` live ids are held. Input: one byte per step; below 0x80 it opens
// pool[byte % size], otherwise it moves the clock by (byte & 0x7f) - 32 seconds.
void envelope_replay(std::string_view input) {
    struct pooled {
        std::string sealed, id;
        std::int64_t issued_at, expires_at;
    };
    static const std::vector<pooled> pool = [] {
        std::vector<pooled> out;
        const auto add = [&out](std::size_t key, const envelope& e) {
            out.push_back({seal_envelope(*single_key_ring(key), e), e.message_id(), e.issued_at(),
                           e.expires_at()});
        };
        const auto fresh = [](std::int64_t issued_offset, std::int64_t ttl) {
            return envelope::fresh(std::string(peer_site), std::string(self_site), "login_request",
                                   "{}", base_time + seconds(issued_offset), seconds(ttl));
        };
        const envelope twice = fresh(0, 30);
        add(0, twice);
        add(0, twice);  // the same message id under a second nonce
        add(0, fresh(0, 1));
        add(0, fresh(0, 120));
        add(0, fresh(60, 120));  // ahead of the clock until it moves
        add(0, fresh(-20, 30));
        add(0, fresh(10, 5));
        add(1, fresh(0, 60));
        return out;
    }();
    constexpr std::size_t capacity = 3;

    manual_clock clock{base_time};
    envelope_opener opener(fixed_ring(), clock, std::string(self_site), capacity);
    std::int64_t latest = 0;                   // the latest time seen by an open, as in the opener
    std::map<std::string, std::int64_t> live;  // id -> expires_at
    for (const char step : input) {
        const auto b = static_cast<std::uint8_t>(step);
        if (b >= 0x80) {
            clock.advance(seconds((b & 0x7f) - 32));
            continue;
        }
        const pooled& p = pool[b % pool.size()];
        latest = std::max(latest, unix_seconds(clock.now()));
        std::optional<envelope_refusal> expected;
        if (p.expires_at <= latest) {
            expected = envelope_refusal::expired;
        } else if (p.issued_at > latest + envelope_future_skew.count()) {
            expected = envelope_refusal::not_yet_valid;
        } else {
            std::erase_if(live, [latest](const auto& entry) { return entry.second <= latest; });
            if (live.contains(p.id))
                expected = envelope_refusal::replayed;
            else if (live.size() >= capacity)
                expected = envelope_refusal::overloaded;
            else
                live.emplace(p.id, p.expires_at);
        }
        const auto r = opener.open(p.sealed);
        REQUIRE(r.envelope.has_value() == !expected.has_value());
        REQUIRE(r || to_string(r.refusal) != "unknown");
        if (expected)
            REQUIRE(r.refusal == *expected);
        else
            REQUIRE(r.envelope->message_id == p.id);
        REQUIRE(opener.remembered() <= capacity);
    }
}

// ---- CSRF tokens and the Origin check -------------------------------------------------------

time_point csrf_now(std::int16_t offset) { return base_time + seconds(offset); }

bool csrf_window_holds(std::int64_t issued, std::int64_t now) {
    return issued <= now + csrf_future_skew.count() && now - issued < csrf_token_max_age.count();
}

// A token that validates is one csrf_token_for made: for this pre-login id, by one of the
// ring's keys, at the issued_at it carries, and that time is within the window.
// Input: clock offset s (2 bytes, signed), pre-login id (32 bytes), token (the rest).
void csrf_text(std::string_view input) {
    input_reader in(input);
    const auto now = csrf_now(in.int16());
    const std::string_view id = in.take(32), token = in.rest();
    if (!csrf_token_valid(*fixed_ring(), token, id, now)) return;
    REQUIRE(id.size() == 32 && is_lower_hex(id));
    const auto raw = base64url_decode(token);
    REQUIRE(raw && raw->size() >= 2);
    const std::size_t id_size = static_cast<unsigned char>((*raw)[1]);
    REQUIRE(raw->size() == 2 + id_size + 8 + 32);
    std::uint64_t issued = 0;
    for (std::size_t i = 2 + id_size; i < 2 + id_size + 8; ++i)
        issued = issued << 8 | static_cast<unsigned char>((*raw)[i]);
    const auto issued_at = static_cast<std::int64_t>(issued);
    REQUIRE(csrf_window_holds(issued_at, unix_seconds(now)));
    bool made_by_a_key = false;
    for (std::size_t k = 0; k < fixed_keys.size(); ++k)
        made_by_a_key = made_by_a_key || csrf_token_for(*single_key_ring(k), id,
                                                        time_point(seconds(issued_at))) == token;
    REQUIRE(made_by_a_key);
}

// An edited token, or the right token for an edited pre-login id, never validates; the
// untouched pair validates exactly within the time window.
// Input: clock offset s (2 bytes, signed), key choice (1 byte), pre-login id edit (1 byte:
// 0 keeps the id, otherwise it replaces the byte at its value modulo 32), edits to the token.
void csrf_tamper(std::string_view input) {
    static const std::array<std::string, 2> originals = [] {
        std::array<std::string, 2> out;
        for (std::size_t k = 0; k < out.size(); ++k)
            out[k] = csrf_token_for(*single_key_ring(k), prelogin_id, base_time);
        return out;
    }();
    input_reader in(input);
    const std::int16_t offset = in.int16();
    const std::string& original = originals[in.byte() % originals.size()];
    std::string id(prelogin_id);
    if (const auto b = in.byte(); b != 0) id[b % id.size()] = static_cast<char>(b);
    const std::string token = edited(original, in.rest());
    const bool valid = csrf_token_valid(*fixed_ring(), token, id, csrf_now(offset));
    REQUIRE(valid ==
            (token == original && id == prelogin_id && csrf_window_holds(base_s, base_s + offset)));
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The authority of an absolute URL: between "://" and the first '/', '?' or '#'.
std::string_view authority_of(std::string_view url) {
    const auto begin = url.find("://");
    if (begin == std::string_view::npos) return {};
    url.remove_prefix(begin + 3);
    return url.substr(0, url.find_first_of("/?#"));
}

// Never throws (an escaping exception aborts the fuzzer); a present Origin alone decides;
// what is accepted has no userinfo; the comparison is symmetric.
// Input: Origin, Referer and own origin separated by 0xff bytes; own origin defaults to
// "https://app.example.com".
void same_origin(std::string_view input) {
    std::array<std::string_view, 3> parts{"", "", "https://app.example.com"};
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const auto end = input.find('\xff');
        if (end == std::string_view::npos) {
            if (i < 2 || !input.empty()) parts[i] = input;
            break;
        }
        parts[i] = input.substr(0, end);
        input.remove_prefix(end + 1);
    }
    const auto [origin, referer, own] = parts;
    const bool same = same_origin_request(origin, referer, own);
    if (!trimmed(origin).empty()) {
        REQUIRE(same == same_origin_request(origin, "", own));
        REQUIRE(same == same_origin_request(origin, own, own));
        if (!same) return;
        const std::string_view o = trimmed(origin);
        REQUIRE(o != "null" &&
                o.find_first_of("@\\/?#", o.find("://") + 3) == std::string_view::npos);
        if (!trimmed(own).ends_with('/')) REQUIRE(same_origin_request(own, "", origin));
    } else if (same) {
        REQUIRE(!trimmed(referer).empty());
        REQUIRE(authority_of(trimmed(referer)).find('@') == std::string_view::npos);
    }
}

// ---- next targets ---------------------------------------------------------------------------

bool loopback_host(std::string_view host) {
    if (host == "localhost" || host.ends_with(".localhost")) return true;
    return host.starts_with("127.") && std::all_of(host.begin(), host.end(), [](char c) {
               return (c >= '0' && c <= '9') || c == '.';
           });
}

// next_target.hpp: https, or http on a loopback host.
bool trusted_origin(std::string_view origin) {
    if (origin.starts_with("https://")) return origin.size() > 8;
    if (!origin.starts_with("http://")) return false;
    const std::string_view authority = origin.substr(7);
    return loopback_host(authority.substr(0, authority.find(':')));
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// One round of percent-decoding as a lenient server does it: well-formed escapes decoded,
// anything else kept.
std::string percent_decoded(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 &&
            hex_digit(s[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(s[i + 1]) << 4 | hex_digit(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// What an accepted `next` satisfies, whichever way it is read: exactly one leading '/', or a
// trusted configured origin followed by nothing, '/', '?' or '#'; nothing but URI characters;
// no userinfo, no "//" or dot segment starting the path; and one or two rounds of
// percent-decoding (servers and frameworks that decode before routing) add no '/', '\\', '.'
// or control byte.
void check_next(std::string_view next, std::string_view own,
                const std::vector<std::string>& allowed) {
    const auto result = validated_next(next, own, allowed);
    if (!result) return;
    REQUIRE(*result == next);
    REQUIRE(!next.empty() && next.size() <= max_next_target_bytes);
    for (char c : next) {
        REQUIRE(c > 0x20 && c < 0x7f);
        REQUIRE(std::string_view("\\\"<>{}|^`[] ").find(c) == std::string_view::npos);
    }
    REQUIRE(std::count(next.begin(), next.end(), '#') <= 1);

    std::string_view rest = next;
    if (next.front() != '/') {
        std::vector<std::string_view> origins{own};
        origins.insert(origins.end(), allowed.begin(), allowed.end());
        const auto matched = std::find_if(origins.begin(), origins.end(), [next](auto o) {
            return trusted_origin(o) && next.starts_with(o) &&
                   (next.size() == o.size() ||
                    std::string_view("/?#").find(next[o.size()]) != std::string_view::npos);
        });
        REQUIRE(matched != origins.end());
        REQUIRE(authority_of(next).find('@') == std::string_view::npos);
        rest.remove_prefix(matched->size());
    }
    const std::string_view path = rest.substr(0, rest.find_first_of("?#"));
    REQUIRE(path.empty() || path.front() == '/');
    REQUIRE(!path.starts_with("//"));
    for (std::string_view p = path; !p.empty();) {
        p.remove_prefix(1);
        const std::string_view segment = p.substr(0, p.find('/'));
        REQUIRE(segment != "." && segment != "..");
        p.remove_prefix(segment.size());
    }

    for (std::size_t i = 0; i < next.size(); ++i)
        if (next[i] == '%')
            REQUIRE(i + 2 < next.size() && hex_digit(next[i + 1]) >= 0 &&
                    hex_digit(next[i + 2]) >= 0);
    const auto count = [](std::string_view s, char c) { return std::count(s.begin(), s.end(), c); };
    const std::string once = percent_decoded(next), twice = percent_decoded(once);
    for (const std::string& decoded : {once, twice}) {
        REQUIRE(count(decoded, '/') == count(next, '/'));
        REQUIRE(count(decoded, '.') == count(next, '.'));
        REQUIRE(count(decoded, '\\') == 0);
        REQUIRE(std::none_of(decoded.begin(), decoded.end(), [](char c) {
            return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
        }));
    }
}

// Input: configuration choice (1 byte), then the `next` value.
void next_target(std::string_view input) {
    static const std::vector<std::string> sites{
        "https://eu2.example.com", "https://new.localhost:8443", "http://127.0.0.1:8080",
        "http://legacy.localhost:9000", "http://plain.example.com"};  // never honoured
    static const std::vector<std::string> none;
    static const std::vector<std::string> odd{"", "https://", "https:", "http://",
                                              "https://app.example.com/"};
    input_reader in(input);
    const auto choice = in.byte() % 3;
    const std::string_view next = in.rest();
    if (choice == 0) check_next(next, "https://app.example.com", sites);
    if (choice == 1) check_next(next, "http://127.0.0.1:8080", none);
    if (choice == 2) check_next(next, "", odd);
}

// ---- handoff tokens -------------------------------------------------------------------------

// A connection that refuses everything and counts how often it was asked.
class refusing_connection final : public sql::Connection {
public:
    int calls = 0;

    void clearWarnings() override { refuse(); }
    sql::Statement* createStatement() override { refuse(); }
    void close() override { refuse(); }
    void commit() override { refuse(); }
    bool getAutoCommit() override { refuse(); }
    sql::SQLString getCatalog() override { refuse(); }
    sql::Driver* getDriver() override { refuse(); }
    sql::SQLString getSchema() override { refuse(); }
    sql::SQLString getClientInfo() override { refuse(); }
    void getClientOption(const sql::SQLString&, void*) override { refuse(); }
    sql::SQLString getClientOption(const sql::SQLString&) override { refuse(); }
    sql::DatabaseMetaData* getMetaData() override { refuse(); }
    sql::enum_transaction_isolation getTransactionIsolation() override { refuse(); }
    const sql::SQLWarning* getWarnings() override { refuse(); }
    bool isClosed() override { refuse(); }
    bool isReadOnly() override { refuse(); }
    bool isValid() override { refuse(); }
    bool reconnect() override { refuse(); }
    sql::SQLString nativeSQL(const sql::SQLString&) override { refuse(); }
    sql::PreparedStatement* prepareStatement(const sql::SQLString&) override { refuse(); }
    sql::PreparedStatement* prepareStatement(const sql::SQLString&, int) override { refuse(); }
    sql::PreparedStatement* prepareStatement(const sql::SQLString&, int*) override { refuse(); }
    sql::PreparedStatement* prepareStatement(const sql::SQLString&, int, int) override { refuse(); }
    sql::PreparedStatement* prepareStatement(const sql::SQLString&, int, int, int) override {
        refuse();
    }
    sql::PreparedStatement* prepareStatement(const sql::SQLString&, sql::SQLString[]) override {
        refuse();
    }
    void releaseSavepoint(sql::Savepoint*) override { refuse(); }
    void rollback() override { refuse(); }
    void rollback(sql::Savepoint*) override { refuse(); }
    void setAutoCommit(bool) override { refuse(); }
    void setCatalog(const sql::SQLString&) override { refuse(); }
    void setSchema(const sql::SQLString&) override { refuse(); }
    sql::Connection* setClientOption(const sql::SQLString&, const void*) override { refuse(); }
    sql::Connection* setClientOption(const sql::SQLString&, const sql::SQLString&) override {
        refuse();
    }
    void setHoldability(int) override { refuse(); }
    void setReadOnly(bool) override { refuse(); }
    sql::Savepoint* setSavepoint() override { refuse(); }
    sql::Savepoint* setSavepoint(const sql::SQLString&) override { refuse(); }
    void setTransactionIsolation(sql::enum_transaction_isolation) override { refuse(); }

private:
    [[noreturn]] void refuse() {
        ++calls;
        throw sql::SQLException("fuzz: no database");
    }
};

// handoff_token.hpp: 43 base64url characters encoding 32 bytes, so the last character
// carries 2 bits that must be zero (its alphabet index is a multiple of 4).
bool well_formed_handoff_token(std::string_view t) {
    const auto b64 = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    };
    return t.size() == handoff_token_chars && std::all_of(t.begin(), t.end(), b64) &&
           std::string_view("AEIMQUYcgkosw048").find(t.back()) != std::string_view::npos;
}

// True when the call reached the connection.
bool redeem_reaches_database(std::string_view token) {
    refusing_connection c;
    try {
        const auto r = redeem_handoff(c, token, self_site, "192.0.2.1", "Mozilla/5.0");
        REQUIRE(c.calls == 0 && r.outcome == redeem_outcome::unknown && !r.grant);
        return false;
    } catch (const sql::SQLException&) {
        REQUIRE(c.calls > 0);
        return true;
    }
}

bool store_reaches_database(std::string_view token, const handoff_grant& grant) {
    refusing_connection c;
    try {
        store_handoff(c, token, grant, seconds(30));
    } catch (const std::invalid_argument&) {
        REQUIRE(c.calls == 0);
        return false;
    } catch (const sql::SQLException&) {
        REQUIRE(c.calls > 0);
        return true;
    }
    std::abort();  // the refusing connection cannot store anything
}

// Only a well-formed token, with a grant whose fields fit their columns, reaches the
// database, through either function; token_hash is SHA-256 of the text; new tokens are well
// formed. Input: grant field lengths (audience, email / 2, target / 9, client_ip; one byte
// each), then the token.
void handoff_token(std::string_view input) {
    input_reader in(input);
    const std::size_t audience = in.byte(), email = in.byte() * 2u, target = in.byte() * 9u,
                      client_ip = in.byte();
    const std::string_view token = in.rest();
    const handoff_grant grant{7,
                              8,
                              std::string(email, 'e'),
                              std::string(audience, 'a'),
                              1,
                              std::string(target, 't'),
                              std::string(client_ip, '1'),
                              "Mozilla/5.0"};
    const bool grant_fits = audience >= 1 && audience <= max_handoff_audience_bytes &&
                            email <= max_handoff_email_bytes &&
                            target <= max_handoff_target_bytes &&
                            client_ip <= max_handoff_client_ip_bytes;
    const bool well_formed = well_formed_handoff_token(token);
    REQUIRE(redeem_reaches_database(token) == well_formed);
    REQUIRE(store_reaches_database(token, grant) == (well_formed && grant_fits));
    std::array<unsigned char, SHA256_DIGEST_LENGTH> expected{};
    SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), expected.data());
    REQUIRE(token_hash(token) == expected);
    const std::string fresh = new_handoff_token();
    REQUIRE(well_formed_handoff_token(fresh) && redeem_reaches_database(fresh));
    for (auto o :
         {redeem_outcome::redeemed, redeem_outcome::unknown, redeem_outcome::expired,
          redeem_outcome::replayed, redeem_outcome::wrong_audience, redeem_outcome::wrong_client})
        REQUIRE(!to_string(o).empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (static_cast<reader>(data[0] % reader_count)) {
        case reader::envelope_text:
            envelope_text(input);
            break;
        case reader::envelope_payload:
            envelope_payload(input);
            break;
        case reader::envelope_fields:
            envelope_fields_round_trip(input);
            break;
        case reader::envelope_tamper:
            envelope_tamper(input);
            break;
        case reader::csrf_text:
            csrf_text(input);
            break;
        case reader::csrf_tamper:
            csrf_tamper(input);
            break;
        case reader::same_origin:
            same_origin(input);
            break;
        case reader::next_target:
            next_target(input);
            break;
        case reader::handoff_token:
            handoff_token(input);
            break;
        case reader::envelope_replay:
            envelope_replay(input);
            break;
    }
    return 0;
}
