#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gangway {

// 256-bit keys, each with an id, newest first: the first seals (or signs), every one opens
// (or verifies), so a key can be rotated in without logging anyone out and retired later.
// Key material is wiped when the ring is destroyed and never printed.
class key_ring {
public:
    struct key {
        std::string id;  // 1..32 of A-Z a-z 0-9 _ -
        std::array<unsigned char, 32> bytes;
    };

    // Throws std::invalid_argument (wiping `keys` first) when empty, when an id fails
    // is_key_id, or when two keys share an id.
    explicit key_ring(std::vector<key> keys);
    ~key_ring();
    key_ring(const key_ring&) = delete;
    key_ring& operator=(const key_ring&) = delete;

    const key& newest() const noexcept { return keys_.front(); }
    const key* find(std::string_view id) const noexcept;
    std::size_t size() const noexcept { return keys_.size(); }

private:
    std::vector<key> keys_;
};

// 1..32 characters of A-Z a-z 0-9 _ -.
bool is_key_id(std::string_view id) noexcept;

struct key_ring_result {
    std::shared_ptr<const key_ring> ring;  // null when errors is not empty
    std::vector<std::string> errors;       // "line N: ..." — never key material
};

// Reads a keys file: one "<key id> <base64 32-byte key>" per line, newest first; blank lines
// and lines starting with '#' are skipped.
key_ring_result load_key_ring(const std::string& path);
key_ring_result parse_key_ring(std::string_view text);

}  // namespace gangway
