#include "gateway/mover/set_reader.hpp"

#include <algorithm>
#include <memory>

#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "gateway/mover/dump_writer.hpp"
#include "gateway/mover/row_checksum.hpp"
#include "gateway/mover/row_digest.hpp"
#include "gateway/mover/row_walker.hpp"
#include "gateway/mover/sql_literal.hpp"

namespace gangway::mover {
namespace {

constexpr const char* unlimited = "SET STATEMENT max_statement_time = 0 FOR ";

// A result read row by row as the server sends it (mysql_use_result), never held whole.
std::unique_ptr<sql::ResultSet> stream(sql::Statement& st, const std::string& query) {
    st.setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
    return std::unique_ptr<sql::ResultSet>(st.executeQuery(unlimited + query));
}

std::string select_list(const table_layout& t) {
    std::string out;
    for (const auto& c : t.columns) out += (out.empty() ? "" : ", ") + select_expression(c);
    return out;
}

// The layout's key columns alone.
table_layout key_columns(const table_layout& t) {
    table_layout out = t;
    out.columns.clear();
    out.key.clear();
    for (std::size_t k : t.key) {
        out.key.push_back(out.columns.size());
        out.columns.push_back(t.columns[k]);
    }
    return out;
}

}  // namespace

void prepare_reader_session(sql::Connection& c) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    st->execute("SET SESSION time_zone = '+00:00', sql_mode = '" + std::string(load_sql_mode) + "'");
}

std::optional<std::string> open_edge(sql::Connection& c, const set_selection& s,
                                     const std::string& root_table) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    for (const auto& check : s.closing_checks()) {
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery(unlimited + check.query));
        if (!rs->next()) continue;
        if (check.into_root) {
            throw walk_error(check.edge + ": reaches " + root_table + " row " + check.key +
                             " = " + rs->getString(1).asStdString() +
                             ", another account: following it would copy that account's rows "
                             "too; a relationship into " + root_table +
                             " must only lead back to the accounts being copied");
        }
        return check.edge;
    }
    return std::nullopt;
}

void stream_rows(sql::Connection& c, const set_selection& s, const table_layout& t,
                 const page_sink& sink, const key_part& part) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    auto rs = stream(*st, s.select_part(t.name, select_list(t), part));
    const std::size_t columns = t.columns.size();
    std::vector<table_row> page;
    std::size_t bytes = 0;
    while (rs->next()) {
        table_row row(columns);
        for (std::size_t i = 0; i < columns; ++i) {
            const auto column = static_cast<std::uint32_t>(i + 1);
            sql::SQLString text = rs->getString(column);
            if (rs->isNull(column)) continue;
            bytes += text->size();
            // `text` is ours and not const: its string moves into the row (no second copy).
            row[i] = std::move(const_cast<std::string&>(text.asStdString()));
        }
        page.push_back(std::move(row));
        if (bytes < set_page_bytes) continue;
        sink(page);
        page.clear();
        bytes = 0;
    }
    if (!page.empty()) sink(page);
}

namespace {

std::string digest_sums(const table_layout& t, bool crc) {
    if (crc) {
        const std::string row = row_text_expression(t);
        return "COUNT(*), CONCAT(IFNULL(SUM(CRC32(" + row + ")), 0), ':', IFNULL(SUM(CRC32C(" + row +
               ")), 0))";
    }
    // Servers without CRC32C (MySQL, MariaDB before 10.8): 60 bits of each row's MD5.
    const std::string digest = with_digest(t).columns.back().expression;
    return "COUNT(*), CAST(IFNULL(SUM(CAST(CONV(SUBSTRING(" + digest +
           ", 1, 15), 16, 10) AS UNSIGNED)), 0) AS CHAR)";
}

}  // namespace

namespace {

// Two non-negative decimal numbers' sum, any length (the MD5 sums outgrow 64 bits).
std::string add_decimal(const std::string& a, const std::string& b) {
    std::string out;
    int carry = 0;
    for (std::size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
        const int digit = carry + (i < a.size() ? a[a.size() - 1 - i] - '0' : 0) +
                          (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
        out += static_cast<char>('0' + digit % 10);
        carry = digit / 10;
    }
    std::reverse(out.begin(), out.end());
    return out.empty() ? "0" : out;
}

}  // namespace

table_sum& table_sum::operator+=(const table_sum& part) {
    rows += part.rows;
    // Each ':'-separated sum by itself.
    std::string sum;
    std::size_t at = 0, other = 0;
    for (;;) {
        const std::size_t end = digest_sum.find(':', at), other_end = part.digest_sum.find(':', other);
        sum += add_decimal(digest_sum.substr(at, end - at), part.digest_sum.substr(other, other_end - other));
        if (end == std::string::npos || other_end == std::string::npos) break;
        sum += ':';
        at = end + 1;
        other = other_end + 1;
    }
    digest_sum = std::move(sum);
    return *this;
}

table_sum sum_rows(sql::Connection& c, const set_selection& s, const table_layout& t, bool keys_only,
                   const key_part& part) {
    const table_layout summed = keys_only ? key_columns(t) : t;
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::unique_ptr<sql::ResultSet> rs;
    try {
        rs.reset(st->executeQuery(unlimited + s.select_part(t.name, digest_sums(summed, true), part, false)));
    } catch (const sql::SQLException& e) {
        if (e.getErrorCode() != 1305 /* ER_SP_DOES_NOT_EXIST: no CRC32C */) throw;
        rs.reset(st->executeQuery(unlimited + s.select_part(t.name, digest_sums(summed, false), part, false)));
        rs->next();
        return {rs->getUInt64(1), rs->getString(2).asStdString(), false};
    }
    rs->next();
    return {rs->getUInt64(1), rs->getString(2).asStdString(), true};
}

table_count count_rows(sql::Connection& c, const set_selection& s, const table_layout& t) {
    const bool integer_key = t.columns[t.key.at(0)].kind == value_kind::integer;
    const std::string key = integer_key ? quote_identifier(t.columns[t.key[0]].name) : "";
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery(
        unlimited + s.select(t.name, integer_key ? "COUNT(*), MIN(" + key + "), MAX(" + key + ")" : "COUNT(*)")));
    rs->next();
    table_count out{rs->getUInt64(1), std::nullopt};
    if (integer_key && out.rows > 0) {
        out.span = key_span{rs->getString(2).asStdString(), rs->getString(3).asStdString(), out.rows};
    }
    return out;
}

}  // namespace gangway::mover
