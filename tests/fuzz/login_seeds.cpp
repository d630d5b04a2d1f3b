// Writes the seed inputs of fuzz_login into a directory (tests/fuzz/seeds/fuzz_login): valid
// sealed envelopes and CSRF tokens made with the fixture's fixed keys at its fixed time, the
// plaintexts and fields behind them, Origin/Referer pairs, `next` values and handoff tokens.
// Each file starts with the byte that selects its reader. Rerun after changing the fixture or
// a wire format:  fuzz_login_seeds tests/fuzz/seeds/fuzz_login
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "common/auth/handoff_token.hpp"
#include "gateway/auth/csrf_token.hpp"
#include "gateway/auth/peer_envelope.hpp"
#include "tests/fuzz/login_fuzz_fixture.hpp"

namespace {

using namespace gangway;
using namespace gangway::fuzz_login;

std::filesystem::path out_dir;

void write(std::string_view name, reader r, std::string_view body) {
    std::ofstream out(out_dir / name, std::ios::binary | std::ios::trunc);
    out.put(static_cast<char>(r));
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
}

std::string with_length(std::string_view s) { return static_cast<char>(s.size()) + std::string(s); }

envelope_fields login_request_fields() {
    return {1,
            std::string(peer_site),
            std::string(self_site),
            base_s,
            base_s + 30,
            std::string(16, '\x11'),
            "login_request",
            R"({"email":"a@example.com","password":"x"})"};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <seed directory>\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    std::filesystem::create_directories(out_dir);

    // ---- envelopes: sealed texts, their plaintexts, fields and tamper edits
    const auto sealed_by = [](std::size_t key, const envelope& e) {
        return seal_envelope(*single_key_ring(key), e);
    };
    const auto login = envelope::fresh(std::string(peer_site), std::string(self_site),
                                       "login_request", R"({"email":"a@example.com"})", base_time);
    write("envelope_text_valid", reader::envelope_text, sealed_by(0, login));
    write("envelope_text_rotated_key", reader::envelope_text, sealed_by(1, login));
    write("envelope_text_handoff_reply", reader::envelope_text,
          sealed_by(
              0, envelope::fresh(std::string(peer_site), std::string(self_site), "handoff_url",
                                 "https://aws.example.com/_gangway/handoff",
                                 base_time - std::chrono::seconds(20), std::chrono::seconds(120))));
    write("envelope_text_reflected", reader::envelope_text,
          sealed_by(0, envelope::fresh(std::string(self_site), std::string(peer_site),
                                       "login_request", "{}", base_time)));
    write(
        "envelope_text_expired", reader::envelope_text,
        sealed_by(0, envelope::fresh(std::string(peer_site), std::string(self_site),
                                     "login_request", "{}", base_time - std::chrono::seconds(60))));

    envelope_fields f = login_request_fields();
    write("envelope_payload_valid", reader::envelope_payload, envelope_plaintext(f));
    f.body = std::string(1000, 'b');
    f.expires_at = base_s + 120;
    write("envelope_payload_long_body", reader::envelope_payload, envelope_plaintext(f));
    f = login_request_fields();
    f.issued_at = base_s + 30;  // at the edge of the future skew
    f.expires_at = base_s + 31;
    write("envelope_payload_skewed", reader::envelope_payload, envelope_plaintext(f));
    f = login_request_fields();
    // issued_at = -2^63: expires_at - issued_at overflows a signed subtraction (it used to
    // wrap negative and pass the lifetime check).
    f.issued_at = std::uint64_t{1} << 63;
    f.expires_at = base_s + 60;
    write("envelope_payload_wrapping_lifetime", reader::envelope_payload, envelope_plaintext(f));

    write("envelope_fields_valid", reader::envelope_fields,
          std::string{30, 0} + with_length(peer_site) + with_length(self_site) +
              with_length("login_request") + R"({"email":"a@example.com"})");
    write("envelope_fields_late", reader::envelope_fields,
          std::string{120, 119} + with_length("eu-2") + with_length("legacy_site") +
              with_length("handoff_url") + "https://x");
    write("envelope_tamper_none", reader::envelope_tamper, std::string(1, '\0'));
    write("envelope_tamper_flip", reader::envelope_tamper, std::string{1, 0, 40, 'A'});

    // Opens (bytes below 0x80 pick from the pool) and clock steps (0x80 | (32 + seconds)).
    const char plus_64s = '\xe0', plus_95s = '\xff', minus_32s = '\x80';
    write("envelope_replay_twice", reader::envelope_replay, std::string{0, 1, 0});
    write("envelope_replay_fill", reader::envelope_replay,
          std::string{0, 3, 5, 7, 2, plus_64s, 4, 7, 1});
    write("envelope_replay_clock_back", reader::envelope_replay,
          std::string{3, plus_95s, plus_95s, 3, minus_32s, minus_32s, minus_32s, 3, 6, 6});

    // ---- CSRF tokens
    const std::string token_new = csrf_token_for(*single_key_ring(0), prelogin_id, base_time);
    const std::string token_old = csrf_token_for(*single_key_ring(1), prelogin_id, base_time);
    write("csrf_text_valid", reader::csrf_text,
          std::string{0, 100} + std::string(prelogin_id) + token_new);
    write("csrf_text_rotated_key", reader::csrf_text,
          std::string{0, 0} + std::string(prelogin_id) + token_old);
    write("csrf_tamper_none", reader::csrf_tamper, std::string{0, 10, 0, 0});
    write("csrf_tamper_window_edge", reader::csrf_tamper, std::string{0x1c, 0x1f, 1, 0});  // 7199 s
    write("csrf_tamper_id", reader::csrf_tamper, std::string{0, 0, 0, 5});

    // ---- Origin / Referer (Origin, Referer, own origin, separated by 0xff)
    write("same_origin_origin", reader::same_origin, "https://app.example.com\xff\xff");
    write("same_origin_referer", reader::same_origin,
          "\xffhttps://APP.example.com:443/login?next=/x\xffhttps://app.example.com/");
    write("same_origin_ipv6", reader::same_origin, "http://[::1]:8080\xff\xffhttp://[::1]:8080");
    write("same_origin_userinfo", reader::same_origin, "\xffhttps://app.example.com@evil.io/");

    // ---- next targets (configuration byte, then the value)
    write("next_path", reader::next_target, std::string(1, '\0') + "/inbox/42?tab=unread#m");
    write("next_own_origin", reader::next_target,
          std::string(1, '\0') + "https://app.example.com/x?y=1");
    write("next_site", reader::next_target,
          std::string(1, '\0') + "https://new.localhost:8443/a%20b");
    write("next_loopback", reader::next_target, std::string(1, '\1') + "http://127.0.0.1:8080/");
    write("next_escapes", reader::next_target, std::string(1, '\0') + "/s?q=caf%C3%A9&pct=100%25");
    write("next_hostile", reader::next_target, std::string(1, '\0') + "/%252f%5c/evil.io");
    write("next_odd_config", reader::next_target, std::string(1, '\2') + "https:///evil.io");

    // ---- handoff tokens (grant field lengths: audience, email / 2, target / 9, client_ip)
    const std::string fitting_grant{3, 20, 10, 9};
    write("handoff_new", reader::handoff_token, fitting_grant + new_handoff_token());
    write("handoff_grant_at_limits", reader::handoff_token,
          std::string{64, 127, static_cast<char>(227), 45} + new_handoff_token());
    write("handoff_noncanonical", reader::handoff_token,
          fitting_grant + std::string(42, 'A') + "B");
    write("handoff_short", reader::handoff_token, fitting_grant + std::string(42, 'A'));
    return 0;
}
