#include "gateway/proxy/body_buffer.hpp"

#include <vector>

namespace gangway {
namespace {

constexpr std::size_t max_cached_per_thread = 64;

std::vector<std::unique_ptr<char[]>>& free_list() {
    thread_local std::vector<std::unique_ptr<char[]>> blocks;
    return blocks;
}

}  // namespace

body_buffer::body_buffer() {
    auto& blocks = free_list();
    if (blocks.empty()) {
        block_.reset(new char[size]);
    } else {
        block_ = std::move(blocks.back());
        blocks.pop_back();
    }
}

body_buffer::~body_buffer() {
    auto& blocks = free_list();
    if (blocks.size() < max_cached_per_thread) blocks.push_back(std::move(block_));
}

}  // namespace gangway
