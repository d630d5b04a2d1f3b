#include "gateway/keys_command.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <ctime>
#include <iostream>
#include <memory>
#include <string>

#include "common/crypto/base64url.hpp"
#include "common/crypto/key_ring.hpp"
#include "gateway/exit_codes.hpp"

namespace gangway {
namespace {

std::string utc_date_yyyymmdd() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char date[16];
    std::strftime(date, sizeof date, "%Y%m%d", &utc);
    return date;
}

std::string hex(const unsigned char* data, std::size_t size) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < size; ++i) {
        out += digits[data[i] >> 4];
        out += digits[data[i] & 15];
    }
    return out;
}

}  // namespace

int run_keys_generate(std::ostream& out, std::string id_prefix) {
    unsigned char suffix[3];
    std::string key(32, '\0');
    if (RAND_bytes(suffix, sizeof suffix) != 1 ||
        RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 32) != 1) {
        std::cerr << "gangway keys generate: no randomness available\n";
        return exit_failed;
    }
    const std::string id = id_prefix + utc_date_yyyymmdd() + "-" + hex(suffix, sizeof suffix);
    if (!is_key_id(id)) {
        OPENSSL_cleanse(key.data(), key.size());
        std::cerr << "gangway keys generate: --id-prefix must be at most 17 characters of "
                     "A-Z a-z 0-9 _ -\n";
        return exit_usage;
    }
    std::string encoded = base64_encode(key);
    out << id << " " << encoded << "\n";
    OPENSSL_cleanse(key.data(), key.size());
    OPENSSL_cleanse(encoded.data(), encoded.size());
    std::cerr << "# put this line FIRST in the keys file; keep older keys below it until every "
                 "value they sealed has expired\n";
    return exit_ok;
}

void add_keys_command(CLI::App& app, int& result) {
    auto* keys = app.add_subcommand("keys", "key material for sessions, assertions, envelopes");
    keys->require_subcommand(1);
    auto prefix = std::make_shared<std::string>("k");
    auto* gen = keys->add_subcommand("generate", "print a new key line: <key id> <base64 key>");
    gen->add_option("--id-prefix", *prefix, "key id prefix (default k)");
    gen->callback([prefix, &result] { result = run_keys_generate(std::cout, *prefix); });
}

}  // namespace gangway
