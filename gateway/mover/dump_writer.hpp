#pragma once

// The files of `gangway dump`: multi-row INSERT statements of at most max_statement_bytes
// (one longer row makes a statement of its own), spread over `chunks` files by size, each
// file importable on its own by the stock mariadb client (docs/mover.md, "gangway dump").

#include <cstdint>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/mover/table_layout.hpp"

namespace gangway::mover {

inline constexpr std::size_t max_statement_bytes = 1024 * 1024;

// A dump file could not be created or written.
struct dump_write_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// What every file starts with: utf8mb4, UTC, no key checks, an sql_mode that keeps explicit
// zero ids and refuses (rather than mangles) a value that does not fit, one transaction.
std::string dump_preamble(const std::string& comment);

class dump_writer {
public:
    // chunks == 1: one file at `path` ("-": stdout). chunks > 1: the directory `path`
    // (created if missing) with part-001.sql ... Files are written under temporary names and
    // renamed by finish(); without finish() the destructor removes them. Throws
    // dump_write_error when a file cannot be created.
    dump_writer(std::string path, unsigned chunks, std::string comment);
    ~dump_writer();
    dump_writer(const dump_writer&) = delete;
    dump_writer& operator=(const dump_writer&) = delete;

    // Appends the rows as INSERT statements, each to the file with the fewest bytes so far.
    void write_rows(const table_layout& table, const std::vector<table_row>& rows);

    // Appends the end statements (already bound) to the last file, commits every file and
    // moves them into place. Throws dump_write_error when a write fails.
    void finish(const std::vector<std::string>& end_statements);

    std::uint64_t bytes() const noexcept { return bytes_; }
    const std::vector<std::string>& files() const noexcept { return final_paths_; }

private:
    struct chunk {
        std::string temporary;
        std::unique_ptr<std::ofstream> file;
        std::uint64_t bytes = 0;
    };
    void emit(const std::string& statement);
    void put(chunk& c, const std::string& text);
    std::ostream& stream(chunk& c);

    bool to_stdout_ = false;
    bool finished_ = false;
    std::vector<chunk> chunks_;
    std::vector<std::string> final_paths_;
    std::uint64_t bytes_ = 0;
};

}  // namespace gangway::mover
