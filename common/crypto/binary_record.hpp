#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// The compact binary records inside sealed values (session cookies, peer envelopes): big-endian
// unsigned integers of a fixed width and short texts with a one-byte length. JSON would cost
// more than the decryption on every authenticated request.
namespace gangway {

inline void put_uint(std::string& out, std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>((v >> (i * 8)) & 0xff);
}

// s must be at most 255 bytes (callers check their own field limits first).
inline void put_text(std::string& out, std::string_view s) {
    out += static_cast<char>(s.size());
    out += s;
}

// Reads a record field by field; any shortfall marks it bad and every later read returns
// empty, so a decoder checks ok()/complete() once at the end.
class record_reader {
public:
    explicit record_reader(std::string_view data) : data_(data) {}

    std::uint64_t uint(std::size_t bytes) {
        if (data_.size() < bytes) return fail();
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < bytes; ++i) v = v << 8 | static_cast<unsigned char>(data_[i]);
        data_.remove_prefix(bytes);
        return v;
    }
    std::string_view raw(std::size_t n) {
        if (data_.size() < n) return fail(), std::string_view();
        const std::string_view s = data_.substr(0, n);
        data_.remove_prefix(n);
        return s;
    }
    std::string_view text() { return raw(static_cast<std::size_t>(uint(1))); }
    bool ok() const { return ok_; }
    bool complete() const { return ok_ && data_.empty(); }

private:
    std::uint64_t fail() {
        ok_ = false;
        data_ = {};
        return 0;
    }
    std::string_view data_;
    bool ok_ = true;
};

}  // namespace gangway
