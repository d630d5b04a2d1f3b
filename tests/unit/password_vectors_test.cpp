#include "common/auth/password_hash.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>

namespace gangway {
namespace {

// tests/vectors/password_hashes.json (made by tests/vectors/make_password_vectors.py): stored
// hashes made, and every password's verdict decided, by implementations that share no code
// with password_hash.cpp (python3-bcrypt, passlib's pure-Python bcrypt, Django's hashers,
// argon2-cffi, passlib's PHC parser), plus published known answers. Checked both ways: the
// right password and each "also_match" (bcrypt reads 72 bytes) must match, each "wrong" near
// miss must be a mismatch. Never `refused`: that would mean a hash the upstream app may well
// have written locks its user out. The reverse direction (other implementations reading our
// dummy hashes) is tests/vectors/check_dummy_hashes.py.

using nlohmann::json;

const json& vectors() {
    static const json doc = [] {
        std::ifstream in(GANGWAY_VECTORS_DIR "/password_hashes.json");
        if (!in)
            throw std::runtime_error("cannot read " GANGWAY_VECTORS_DIR "/password_hashes.json");
        return json::parse(in);
    }();
    return doc;
}

hash_scheme scheme_named(const std::string& name) {
    for (const auto s : {hash_scheme::bcrypt, hash_scheme::pbkdf2_sha256, hash_scheme::argon2id,
                         hash_scheme::argon2i})
        if (hash_scheme_name(s) == name) return s;
    return hash_scheme::unknown;
}

// Checks every vector `select` picks; returns how many, so a test can insist on some.
int check_vectors(const std::function<bool(const json&)>& select) {
    const verify_limits limits;
    int checked = 0;
    for (const json& v : vectors()["vectors"]) {
        if (!select(v)) continue;
        ++checked;
        const auto stored = v["hash"].get<std::string>();
        SCOPED_TRACE(v["comment"].get<std::string>() + ": " + stored);
        EXPECT_EQ(scheme_of(stored), scheme_named(v["scheme"].get<std::string>()));
        EXPECT_EQ(verify_password(v["password"].get<std::string>(), stored, limits),
                  verify_result::match);
        for (const json& p : v["also_match"])
            EXPECT_EQ(verify_password(p.get<std::string>(), stored, limits), verify_result::match)
                << "also_match " << p;
        for (const json& p : v["wrong"])
            EXPECT_EQ(verify_password(p.get<std::string>(), stored, limits),
                      verify_result::mismatch)
                << "wrong " << p;
    }
    return checked;
}

auto scheme_and_variants(std::string scheme, std::set<std::string> variants) {
    return [scheme, variants](const json& v) {
        return v["scheme"] == scheme && variants.contains(v["variant"].get<std::string>());
    };
}

TEST(PasswordVectors, BcryptFromOpenBsdCodeAndPasslib) {
    EXPECT_GE(check_vectors(scheme_and_variants("bcrypt", {"2a", "2b", "2y"})), 27);
}

TEST(PasswordVectors, Pbkdf2Sha256FromDjango) {
    EXPECT_GE(check_vectors(scheme_and_variants("pbkdf2_sha256", {"django"})), 10);
}

TEST(PasswordVectors, Argon2idFromArgon2Cffi) {
    EXPECT_GE(check_vectors(scheme_and_variants("argon2id", {"phc"})), 8);
}

TEST(PasswordVectors, Argon2iFromArgon2Cffi) {
    EXPECT_GE(check_vectors(scheme_and_variants("argon2i", {"phc"})), 8);
}

TEST(PasswordVectors, DjangoPrefixedFromDjangosHashers) {
    EXPECT_GE(check_vectors(scheme_and_variants("bcrypt", {"django bcrypt$"})), 5);
    EXPECT_GE(check_vectors(scheme_and_variants("argon2id", {"django argon2"})), 5);
    EXPECT_GE(check_vectors(scheme_and_variants("argon2i", {"django argon2"})), 1);
}

TEST(PasswordVectors, PublishedKnownAnswers) {
    EXPECT_GE(check_vectors([](const json& v) {
                  return v["comment"].get<std::string>().starts_with("published known answer");
              }),
              8);
}

// Guards the tests above against a regenerated file that quietly lost its edge cases.
TEST(PasswordVectors, FileCoversTheEdges) {
    const json& all = vectors()["vectors"];
    EXPECT_EQ(all.size(), vectors()["numberOfVectors"].get<std::size_t>());
    bool empty = false, over_72 = false, multibyte = false, separators = false,
         truncation_match = false;
    for (const json& v : all) {
        const auto password = v["password"].get<std::string>();
        empty = empty || password.empty();
        over_72 = over_72 || password.size() > 72;
        multibyte = multibyte || password.find('\xf0') != std::string::npos;  // 4-byte UTF-8
        separators = separators || (password.find('$') != std::string::npos &&
                                    password.find(':') != std::string::npos);
        truncation_match =
            truncation_match || (v["scheme"] == "bcrypt" && !v["also_match"].empty());
    }
    EXPECT_TRUE(empty && over_72 && multibyte && separators && truncation_match);
}

}  // namespace
}  // namespace gangway
