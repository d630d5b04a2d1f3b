#pragma once

// Progress of `gangway migrate` on stderr. On a terminal: one bar per table (rows of the rows
// pre-flight counted, bytes, rate, ETA) redrawn in place at most ten times a second, and a line
// per phase. Otherwise JSON lines: {"event":"phase"...}, {"event":"rows"...} (at most four a
// second per table, and the last), {"event":"report"...}. Thread-safe: the copy's writer
// threads report pages.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace gangway::mover {

class move_progress {
public:
    explicit move_progress(bool terminal);

    // A phase of the account's move begins ("pre-flight", "lock", "copy", ...).
    void phase(std::uint64_t account, const std::string& name, const std::string& detail = {});

    // What a step will handle, per table (rows pre-flight found); resets the counters.
    void expect(const std::map<std::string, std::uint64_t>& rows_per_table);

    // A page of `rows` rows of `table`, `bytes` bytes of SQL, written.
    void rows(const std::string& table, std::size_t rows, std::uint64_t bytes);

    // The step is over: the bars are drawn complete.
    void settle();

    // The final report of one account (JSON; printed as JSON or as a summary).
    void report(const nlohmann::json& report);

private:
    struct table_counter {
        std::uint64_t expected = 0;
        std::uint64_t rows = 0;
        std::uint64_t bytes = 0;
        std::chrono::steady_clock::time_point last_line{};
    };
    void draw(bool force);
    std::string bar(const std::string& table, const table_counter& c, double seconds) const;

    std::mutex mutex_;
    bool terminal_;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point drawn_{};
    std::size_t lines_drawn_ = 0;
    std::map<std::string, table_counter> tables_;
};

}  // namespace gangway::mover
