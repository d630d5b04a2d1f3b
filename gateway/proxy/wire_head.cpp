#include "gateway/proxy/wire_head.hpp"

namespace gangway {

std::size_t chunk_size_line(std::size_t size, char* out) noexcept {
    static constexpr char hex[] = "0123456789abcdef";
    char digits[16];
    std::size_t n = 0;
    do {
        digits[n++] = hex[size & 0xf];
        size >>= 4;
    } while (size);
    for (std::size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
    out[n] = '\r';
    out[n + 1] = '\n';
    return n + 2;
}

}  // namespace gangway
