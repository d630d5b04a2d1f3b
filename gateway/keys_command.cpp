#include "gateway/keys_command.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <ctime>
#include <iostream>
#include <memory>
#include <string>

#include "common/crypto/base64url.hpp"
#include "common/crypto/key_ring.hpp"

namespace gangway {
namespace {

std::string key_id(const std::string& prefix) {
    unsigned char random[3];
    if (RAND_bytes(random, sizeof random) != 1) return {};
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char date[16];
    std::strftime(date, sizeof date, "%Y%m%d", &utc);
    static constexpr char hex[] = "0123456789abcdef";
    std::string id = prefix + date + "-";
    for (unsigned char b : random) {
        id += hex[b >> 4];
        id += hex[b & 15];
    }
    return id;
}

int generate(const std::string& prefix) {
    const std::string id = key_id(prefix);
    if (!is_key_id(id)) {
        std::cerr << "gangway keys generate: --id-prefix must be at most 17 characters of "
                     "A-Z a-z 0-9 _ -\n";
        return 2;
    }
    std::string key(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 32) != 1) {
        std::cerr << "gangway keys generate: no randomness available\n";
        return 1;
    }
    std::cout << id << " " << base64_encode(key) << "\n";
    OPENSSL_cleanse(key.data(), key.size());
    std::cerr << "# put this line FIRST in the keys file; keep older keys below it until every "
                 "value they sealed has expired\n";
    return 0;
}

}  // namespace

void add_keys_command(CLI::App& app, int& result) {
    auto* keys = app.add_subcommand("keys", "key material for sessions, assertions, envelopes");
    keys->require_subcommand(1);
    auto prefix = std::make_shared<std::string>("k");
    auto* gen = keys->add_subcommand("generate", "print a new key line: <key id> <base64 key>");
    gen->add_option("--id-prefix", *prefix, "key id prefix (default k)");
    gen->callback([prefix, &result] { result = generate(*prefix); });
}

}  // namespace gangway
