#include "common/crypto/key_ring.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "common/crypto/base64url.hpp"

namespace gangway {
namespace {

constexpr std::size_t max_keys_file_bytes = 64 * 1024;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

void wipe(std::vector<key_ring::key>& keys) {
    for (auto& k : keys) OPENSSL_cleanse(k.bytes.data(), k.bytes.size());
}

// What makes `keys` unfit for a ring, or nullptr.
const char* check(const std::vector<key_ring::key>& keys) {
    if (keys.empty()) return "key ring without keys";
    for (auto k = keys.begin(); k != keys.end(); ++k) {
        if (!is_key_id(k->id)) return "key ring with a malformed key id";
        if (std::any_of(keys.begin(), k, [&](const auto& earlier) { return earlier.id == k->id; }))
            return "key ring with a duplicate key id";
    }
    return nullptr;
}

}  // namespace

bool is_key_id(std::string_view id) noexcept {
    return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

key_ring::key_ring(std::vector<key> keys) : keys_(std::move(keys)) {
    if (const char* problem = check(keys_)) {
        wipe(keys_);  // a throwing constructor runs no destructor
        throw std::invalid_argument(problem);
    }
}

key_ring::~key_ring() { wipe(keys_); }

const key_ring::key* key_ring::find(std::string_view id) const noexcept {
    for (const auto& k : keys_)
        if (k.id == id) return &k;
    return nullptr;
}

key_ring_result parse_key_ring(std::string_view text) {
    key_ring_result result;
    std::vector<key_ring::key> keys;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto nl = text.find('\n');
        const std::string_view line = trim(text.substr(0, nl));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        if (line.empty() || line.front() == '#') continue;
        const std::string where = "line " + std::to_string(line_no) + ": ";
        const auto space = line.find_first_of(" \t");
        if (space == std::string_view::npos) {
            result.errors.push_back(where + "expected \"<key id> <base64 key>\"");
            continue;
        }
        const std::string_view id = line.substr(0, space);
        if (!is_key_id(id)) {
            result.errors.push_back(where + "key id must be 1..32 characters of A-Z a-z 0-9 _ -");
            continue;
        }
        auto bytes = base64_decode_any(trim(line.substr(space)));
        if (!bytes || bytes->size() != 32) {
            result.errors.push_back(where + "key must be 32 bytes in base64");
            if (bytes) OPENSSL_cleanse(bytes->data(), bytes->size());
            continue;
        }
        if (std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return k.id == id; })) {
            result.errors.push_back(where + "duplicate key id " + std::string(id));
        } else {
            key_ring::key k{std::string(id), {}};
            std::copy(bytes->begin(), bytes->end(), k.bytes.begin());
            keys.push_back(std::move(k));
        }
        OPENSSL_cleanse(bytes->data(), bytes->size());
    }
    if (keys.empty() && result.errors.empty()) result.errors.push_back("no keys");
    if (result.errors.empty()) result.ring = std::make_shared<const key_ring>(std::move(keys));
    wipe(keys);
    return result;
}

key_ring_result load_key_ring(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {nullptr, {"cannot read " + path}};
    std::string text;
    text.resize(max_keys_file_bytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_keys_file_bytes) return {nullptr, {"larger than 64 KiB: " + path}};
    auto result = parse_key_ring(text);
    OPENSSL_cleanse(text.data(), text.size());
    return result;
}

}  // namespace gangway
