// Prints a sealed session cookie value, for benchmarks and manual checks of a gateway:
//   gangway_mint_cookie KEYS_FILE SITE ACCOUNT_ID [USER_ID] [EMAIL] [TTL_S]
// Not part of the product: a real deployment only gets sessions by logging in.
#include <iostream>
#include <string>

#include "common/crypto/key_ring.hpp"
#include "common/session/session.hpp"
#include "common/time/clock.hpp"

int main(int argc, char** argv) {
    if (argc < 4) {
        std::cerr << "usage: gangway_mint_cookie KEYS_FILE SITE ACCOUNT_ID [USER_ID] [EMAIL] [TTL_S]\n";
        return 2;
    }
    auto keys = gangway::load_key_ring(argv[1]);
    if (!keys.ring) {
        for (const auto& e : keys.errors) std::cerr << argv[1] << ": " << e << "\n";
        return 2;
    }
    gangway::system_clock_source clock;
    gangway::session_codec codec(keys.ring, clock, argv[2]);
    const auto account = std::stoull(argv[3]);
    const auto user = argc > 4 ? std::stoull(argv[4]) : account;
    const std::string email = argc > 5 ? argv[5] : "bench@example.com";
    const auto ttl = std::chrono::seconds(argc > 6 ? std::stoll(argv[6]) : 3600);
    std::cout << codec.seal(codec.mint(user, account, email, 1, ttl)) << "\n";
    return 0;
}
