// The files of `gangway dump`: bounded statements, chunks balanced by size, end_sql last,
// nothing left behind without finish().
#include "gateway/mover/dump_writer.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

namespace gangway::mover {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

class DumpWriter : public ::testing::Test {
protected:
    DumpWriter() : dir_(fs::temp_directory_path() / ("gangway-dump-writer-" + std::to_string(::getpid()))) {
        fs::create_directories(dir_);
        table_.name = "notes";
        table_.columns = {{"id", value_kind::integer, false, "bigint", "bigint(20)", 0},
                          {"body", value_kind::text, false, "longtext", "longtext", 0}};
        table_.key = {0};
    }
    ~DumpWriter() override { fs::remove_all(dir_); }

    // n rows whose bodies are `size` bytes each.
    std::vector<table_row> rows(int n, std::size_t size) {
        std::vector<table_row> out;
        for (int i = 0; i < n; ++i) out.push_back({std::to_string(i), std::string(size, 'x')});
        return out;
    }

    fs::path dir_;
    table_layout table_;
};

TEST_F(DumpWriter, StatementsStayUnderTheLimit) {
    const auto file = dir_ / "one.sql";
    {
        dump_writer w(file.string(), 1, "-- test\n");
        w.write_rows(table_, rows(10, 300 * 1024));  // ~3 MiB: at least 3 statements
        w.write_rows(table_, rows(3, 10));
        w.finish({"UPDATE notes SET body = 'done' WHERE id = 1"});
        EXPECT_EQ(w.files(), std::vector<std::string>{file.string()});
    }
    const std::string text = read(file);
    EXPECT_TRUE(text.starts_with("-- test\nSET NAMES utf8mb4;\n"));
    EXPECT_GE(count(text, "INSERT INTO `notes` (`id`, `body`) VALUES "), 5u);
    std::size_t begin = 0;
    for (auto end = text.find(";\n"); end != std::string::npos; end = text.find(";\n", begin)) {
        EXPECT_LE(end - begin, max_statement_bytes);
        begin = end + 2;
    }
    EXPECT_TRUE(text.ends_with("UPDATE notes SET body = 'done' WHERE id = 1;\nCOMMIT;\n"));
}

TEST_F(DumpWriter, ChunksShareTheRowsAndTheLastHoldsEndSql) {
    {
        dump_writer w((dir_ / "parts").string(), 3, "-- test\n");
        for (int i = 0; i < 9; ++i) w.write_rows(table_, rows(2, 1000));
        w.finish({"SELECT 1"});
    }
    std::size_t inserts = 0;
    for (const char* name : {"part-001.sql", "part-002.sql", "part-003.sql"}) {
        const std::string text = read(dir_ / "parts" / name);
        EXPECT_NE(text.find("SET foreign_key_checks = 0;\n"), std::string::npos) << name;
        EXPECT_TRUE(text.ends_with("COMMIT;\n")) << name;
        EXPECT_EQ(count(text, "INSERT INTO"), 3u) << name;  // balanced by size
        inserts += count(text, "INSERT INTO");
        EXPECT_EQ(count(text, "SELECT 1;"), std::string(name) == "part-003.sql" ? 1u : 0u);
    }
    EXPECT_EQ(inserts, 9u);
}

TEST_F(DumpWriter, WithoutFinishNothingIsLeft) {
    {
        dump_writer w((dir_ / "half.sql").string(), 1, "");
        w.write_rows(table_, rows(2, 10));
    }
    EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace gangway::mover
