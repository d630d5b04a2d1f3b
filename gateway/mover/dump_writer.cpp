#include "gateway/mover/dump_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "gateway/mover/sql_literal.hpp"

namespace gangway::mover {
namespace {

namespace fs = std::filesystem;

std::string part_name(unsigned i) {
    char name[32];
    std::snprintf(name, sizeof name, "part-%03u.sql", i + 1);
    return name;
}

}  // namespace

std::string dump_preamble(const std::string& comment) {
    return comment +
           "SET NAMES utf8mb4;\n"
           "SET time_zone = '+00:00';\n"
           "SET foreign_key_checks = 0;\n"
           "SET unique_checks = 0;\n"
           "SET sql_mode = '" + std::string(load_sql_mode) + "';\n"
           "START TRANSACTION;\n";
}

dump_writer::dump_writer(std::string path, unsigned chunks, std::string comment) {
    chunks = std::max(chunks, 1u);
    to_stdout_ = chunks == 1 && path == "-";
    if (chunks > 1) {
        std::error_code ec;
        fs::create_directories(path, ec);
        if (ec) throw dump_write_error("cannot create directory " + path + ": " + ec.message());
    }
    for (unsigned i = 0; i < chunks; ++i) {
        const std::string final_path =
            to_stdout_ ? "-" : chunks == 1 ? path : (fs::path(path) / part_name(i)).string();
        chunk c;
        if (!to_stdout_) {
            c.temporary = final_path + ".tmp-" + std::to_string(::getpid());
            c.file = std::make_unique<std::ofstream>(c.temporary, std::ios::binary | std::ios::trunc);
            if (!*c.file) throw dump_write_error("cannot create " + c.temporary);
        }
        final_paths_.push_back(final_path);
        chunks_.push_back(std::move(c));
        std::string part = comment;
        if (chunks > 1) {
            part += "-- part " + std::to_string(i + 1) + " of " + std::to_string(chunks) +
                    (i + 1 == chunks ? ": import it after the others (it ends with end_sql)\n"
                                     : ": may be imported alongside the others but the last\n");
        }
        put(chunks_.back(), dump_preamble(part));
    }
}

dump_writer::~dump_writer() {
    if (finished_) return;
    std::error_code ec;
    for (auto& c : chunks_) {
        c.file.reset();
        if (!c.temporary.empty()) fs::remove(c.temporary, ec);
    }
}

std::ostream& dump_writer::stream(chunk& c) {
    return c.file ? static_cast<std::ostream&>(*c.file) : std::cout;
}

void dump_writer::put(chunk& c, const std::string& text) {
    std::ostream& out = stream(c);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) {
        throw dump_write_error("cannot write " + (c.temporary.empty() ? "stdout" : c.temporary));
    }
    c.bytes += text.size();
    bytes_ += text.size();
}

void dump_writer::emit(const std::string& statement) {
    const auto smallest = std::min_element(
        chunks_.begin(), chunks_.end(), [](const chunk& a, const chunk& b) { return a.bytes < b.bytes; });
    put(*smallest, statement);
}

void dump_writer::write_rows(const table_layout& table, const std::vector<table_row>& rows) {
    const std::string head = insert_head(table);
    std::string statement;
    std::string values;
    for (const auto& row : rows) {
        values.clear();
        append_row_values(values, table, row);
        if (!statement.empty() && statement.size() + values.size() + 3 > max_statement_bytes) {
            emit(statement + ";\n");
            statement.clear();
        }
        statement += statement.empty() ? head : ",\n";
        statement += values;
    }
    if (!statement.empty()) emit(statement + ";\n");
}

void dump_writer::finish(const std::vector<std::string>& end_statements) {
    for (const auto& s : end_statements) put(chunks_.back(), s + ";\n");
    for (auto& c : chunks_) {
        put(c, "COMMIT;\n");
        if (!c.file) {
            std::cout.flush();
            continue;
        }
        c.file->close();
        if (!*c.file) throw dump_write_error("cannot write " + c.temporary);
    }
    for (std::size_t i = 0; i < chunks_.size(); ++i) {
        if (chunks_[i].temporary.empty()) continue;
        std::error_code ec;
        fs::rename(chunks_[i].temporary, final_paths_[i], ec);
        if (ec) {
            throw dump_write_error("cannot write " + final_paths_[i] + ": " + ec.message());
        }
    }
    finished_ = true;
}

}  // namespace gangway::mover
