// libFuzzer target: parse_config on arbitrary bytes must return, never throw or crash, and must
// return exactly one of a config or a non-empty error list.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/config/config_loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    // A directory that does not exist, so relative file paths in the input never reach real files.
    const gangway::config_result result =
        gangway::parse_config(text, "/nonexistent-gangway-fuzz/gangway.toml");
    if ((result.value == nullptr) == result.errors.empty()) std::abort();
    for (const gangway::config_error& error : result.errors) {
        if (error.to_string().empty()) std::abort();
    }
    return 0;
}
