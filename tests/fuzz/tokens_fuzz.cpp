// libFuzzer target for everything that reads tokens a client or a file hands us: the Cookie
// header, base64url, key files, sealed session payloads and identity assertions. The first
// byte picks the reader; the rest is its input. Nothing may crash, leak or hang, and every
// reader keeps its contract (checked below with abort()).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/base64url.hpp"
#include "common/crypto/identity_assertion.hpp"
#include "common/crypto/key_ring.hpp"
#include "common/crypto/sealed_box.hpp"
#include "common/session/session.hpp"
#include "common/session/session_cookie.hpp"
#include "common/time/clock.hpp"

namespace {

std::shared_ptr<const gangway::key_ring> fixed_ring() {
    static const auto ring = [] {
        std::vector<gangway::key_ring::key> keys{{"f1", {}}};
        keys[0].bytes.fill(0x5a);
        return std::make_shared<const gangway::key_ring>(std::move(keys));
    }();
    return ring;
}

const gangway::manual_clock& fixed_clock() {
    static const gangway::manual_clock clock{std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000))};
    return clock;
}

void cookie_header(std::string_view input) {
    const gangway::session_codec codec(fixed_ring(), fixed_clock(), "legacy");
    if (auto value = gangway::find_cookie(input, "__Host-gangway")) {
        if (value->size() > input.size()) std::abort();
        (void)codec.open(*value);
    }
}

// A canonical encoding decodes and encodes back to itself.
void base64(std::string_view input) {
    if (auto bytes = gangway::base64url_decode(input)) {
        if (gangway::base64url_encode(*bytes) != input) std::abort();
    }
}

void keys_file(std::string_view input) {
    auto result = gangway::parse_key_ring(input);
    if ((result.ring == nullptr) == result.errors.empty()) std::abort();
}

// Whatever payload is sealed with the right key, opening it never crashes, and a session that
// opens seals back to one that opens identically.
void session_payload(std::string_view input) {
    const gangway::session_codec codec(fixed_ring(), fixed_clock(), "legacy");
    const std::string sealed = gangway::seal(*fixed_ring(), "session", input);
    if (auto s = codec.open(sealed)) {
        auto again = codec.open(codec.seal(*s));
        if (!again || again->session_id != s->session_id || again->email != s->email) std::abort();
    }
}

void assertion(std::string_view input) {
    (void)gangway::verify_identity_assertion(*fixed_ring(), input, fixed_clock().now(), std::chrono::seconds(60));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 5) {
        case 0: cookie_header(input); break;
        case 1: base64(input); break;
        case 2: keys_file(input); break;
        case 3: session_payload(input); break;
        case 4: assertion(input); break;
    }
    return 0;
}
