#pragma once

#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

#include "common/crypto/key_ring.hpp"

namespace gangway::testing {

// A key ring for unit tests, newest first: each key is its id and one byte repeated 32 times.
inline std::shared_ptr<const key_ring> ring_of(std::initializer_list<std::pair<const char*, char>> keys) {
    std::vector<key_ring::key> out;
    for (auto [id, fill] : keys) {
        key_ring::key k{id, {}};
        k.bytes.fill(static_cast<unsigned char>(fill));
        out.push_back(k);
    }
    return std::make_shared<const key_ring>(std::move(out));
}

}  // namespace gangway::testing
