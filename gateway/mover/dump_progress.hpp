#pragma once

// Progress of `gangway dump` on stderr: one line rewritten in place on a terminal, JSON lines
// otherwise (one per page of rows, then one "done" line).

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gangway::mover {

class dump_progress {
public:
    explicit dump_progress(bool terminal);

    // A page of `rows` rows of `table` was written; `bytes` is the output's size so far.
    void rows(const std::string& table, std::size_t rows, std::uint64_t bytes);

    // The dump is complete: a summary per table; `read` says how the rows were read ("sets",
    // "walk").
    void done(const std::vector<std::string>& accounts, const std::vector<std::string>& files,
              std::uint64_t bytes, const std::string& read);

private:
    bool terminal_;
    std::chrono::steady_clock::time_point started_;
    std::map<std::string, std::uint64_t> table_rows_;
    std::uint64_t total_rows_ = 0;
};

}  // namespace gangway::mover
