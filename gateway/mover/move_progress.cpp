#include "gateway/mover/move_progress.hpp"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

namespace gangway::mover {
namespace {

using clock = std::chrono::steady_clock;

constexpr auto terminal_redraw = std::chrono::milliseconds(100);
constexpr auto json_line_interval = std::chrono::milliseconds(250);

double seconds_since(clock::time_point t) {
    return std::chrono::duration<double>(clock::now() - t).count();
}

std::string size_text(std::uint64_t bytes) {
    if (bytes >= 10ull << 20) return fmt::format("{} MiB", bytes >> 20);
    if (bytes >= 10ull << 10) return fmt::format("{} KiB", bytes >> 10);
    return fmt::format("{} B", bytes);
}

}  // namespace

move_progress::move_progress(bool terminal) : terminal_(terminal), started_(clock::now()) {}

void move_progress::phase(std::uint64_t account, const std::string& name,
                          const std::string& detail) {
    std::lock_guard lock(mutex_);
    lines_drawn_ = 0;
    if (terminal_) {
        std::cerr << "account " << account << ": " << name << (detail.empty() ? "" : ": ")
                  << detail << "\n";
        return;
    }
    nlohmann::json line{{"event", "phase"}, {"account", account}, {"phase", name}};
    if (!detail.empty()) line["detail"] = detail;
    std::cerr << line.dump() << "\n";
}

void move_progress::expect(const std::map<std::string, std::uint64_t>& rows_per_table) {
    std::lock_guard lock(mutex_);
    tables_.clear();
    for (const auto& [table, rows] : rows_per_table) tables_[table].expected = rows;
    started_ = clock::now();
    lines_drawn_ = 0;
}

void move_progress::rows(const std::string& table, std::size_t rows, std::uint64_t bytes) {
    std::lock_guard lock(mutex_);
    table_counter& c = tables_[table];
    c.rows += rows;
    c.bytes += bytes;
    if (terminal_) {
        draw(false);
        return;
    }
    const bool last = c.expected != 0 && c.rows >= c.expected;
    if (!last && clock::now() - c.last_line < json_line_interval) return;
    c.last_line = clock::now();
    nlohmann::json line{{"event", "rows"}, {"table", table},     {"rows", c.rows},
                        {"bytes", c.bytes}, {"expected_rows", c.expected},
                        {"seconds", seconds_since(started_)}};
    std::cerr << line.dump() << "\n";
}

void move_progress::settle() {
    std::lock_guard lock(mutex_);
    if (terminal_) draw(true);
}

std::string move_progress::bar(const std::string& table, const table_counter& c,
                               double seconds) const {
    constexpr int width = 24;
    const double done = c.expected ? std::min(1.0, double(c.rows) / double(c.expected)) : 1.0;
    const int filled = static_cast<int>(done * width);
    const double rate = seconds > 0 ? double(c.rows) / seconds : 0;
    std::string eta = "";
    if (rate > 0 && c.rows < c.expected) eta = fmt::format(" ETA {:.0f} s", double(c.expected - c.rows) / rate);
    return fmt::format("  {:<24.24} [{}{}] {:>10}/{:<10} {:>9} {:>9.0f} rows/s{}", table,
                       std::string(filled, '#'), std::string(width - filled, '.'), c.rows,
                       c.expected, size_text(c.bytes), rate, eta);
}

void move_progress::draw(bool force) {
    if (!force && clock::now() - drawn_ < terminal_redraw) return;
    drawn_ = clock::now();
    const double seconds = seconds_since(started_);
    if (lines_drawn_) std::cerr << "\033[" << lines_drawn_ << "F";
    for (const auto& [table, c] : tables_) std::cerr << "\033[K" << bar(table, c, seconds) << "\n";
    lines_drawn_ = tables_.size();
    std::cerr << std::flush;
}

void move_progress::report(const nlohmann::json& report) {
    std::lock_guard lock(mutex_);
    if (!terminal_) {
        nlohmann::json line = report;
        line["event"] = "report";
        std::cerr << line.dump() << "\n";
        return;
    }
    std::cerr << "account " << report.value("account", 0) << ": " << report.value("outcome", "")
              << "\n";
    if (!report.contains("tables")) return;
    for (const auto& [table, t] : report["tables"].items()) {
        std::cerr << fmt::format("  {:<24} {:>10} rows {:>10}  {}\n", table, t.value("rows", 0),
                                 size_text(t.value("bytes", 0)), t.value("checksum", ""));
    }
    if (report.contains("lock_window_seconds")) {
        std::cerr << fmt::format("  lock window: {:.3f} s\n", report["lock_window_seconds"].get<double>());
    }
}

}  // namespace gangway::mover
