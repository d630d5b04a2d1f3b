#pragma once

#include <cstddef>
#include <memory>

namespace gangway {

// Fixed-size buffers for streaming bodies, recycled through a small per-thread free list so
// that a request does not allocate (and touch) a fresh 64 KiB block, and an idle keep-alive
// connection holds none.
class body_buffer {
public:
    static constexpr std::size_t size = 64 * 1024;

    body_buffer();
    ~body_buffer();
    body_buffer(const body_buffer&) = delete;
    body_buffer& operator=(const body_buffer&) = delete;

    char* data() noexcept { return block_.get(); }

private:
    std::unique_ptr<char[]> block_;
};

}  // namespace gangway
