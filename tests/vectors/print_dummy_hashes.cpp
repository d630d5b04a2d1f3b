// Prints "<scheme name>\t<dummy_stored_hash(scheme)>" for every hash_scheme, one per line, for
// check_dummy_hashes.py: the dummies live in password_hash.cpp's anonymous namespace, and this
// reads them through the same function dummy_verify uses.
#include <iostream>

#include "common/auth/password_hash.hpp"

int main() {
    using gangway::hash_scheme;
    for (const auto scheme : {hash_scheme::bcrypt, hash_scheme::pbkdf2_sha256,
                              hash_scheme::argon2id, hash_scheme::argon2i, hash_scheme::unknown})
        std::cout << gangway::hash_scheme_name(scheme) << '\t' << gangway::dummy_stored_hash(scheme)
                  << '\n';
}
