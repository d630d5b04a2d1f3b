#include "gateway/mover/dump_progress.hpp"

#include <iostream>

#include <nlohmann/json.hpp>

namespace gangway::mover {

dump_progress::dump_progress(bool terminal)
    : terminal_(terminal), started_(std::chrono::steady_clock::now()) {}

void dump_progress::rows(const std::string& table, std::size_t rows, std::uint64_t bytes) {
    table_rows_[table] += rows;
    total_rows_ += rows;
    if (terminal_) {
        std::cerr << "\r\033[Kdump: " << table << " " << table_rows_[table] << " rows; "
                  << total_rows_ << " rows, " << bytes / 1024 << " KiB in all" << std::flush;
        return;
    }
    nlohmann::json line{{"event", "rows"},          {"table", table},
                        {"rows", rows},             {"table_rows", table_rows_[table]},
                        {"total_rows", total_rows_}, {"bytes", bytes}};
    std::cerr << line.dump() << "\n";
}

void dump_progress::done(const std::vector<std::string>& accounts,
                         const std::vector<std::string>& files, std::uint64_t bytes, const std::string& read) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    if (terminal_) {
        std::cerr << "\r\033[Kdump: " << total_rows_ << " rows of " << table_rows_.size()
                  << " tables (read by " << read << "), " << bytes << " bytes, in " << seconds << " s:";
        for (const auto& f : files) std::cerr << " " << f;
        std::cerr << "\n";
        return;
    }
    nlohmann::json line{{"event", "done"}, {"accounts", accounts}, {"tables", table_rows_},
                        {"rows", total_rows_}, {"bytes", bytes},  {"files", files},
                        {"read", read},        {"seconds", seconds}};
    std::cerr << line.dump() << "\n";
}

}  // namespace gangway::mover
