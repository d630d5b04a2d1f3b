#include "gateway/mover/sql_lookup.hpp"

#include <charconv>
#include <cstdint>

#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>

namespace gangway::mover {

std::string tuple_condition(const table_layout& t, const std::vector<std::size_t>& columns,
                            std::size_t values) {
    std::string out;
    if (columns.size() == 1) {
        out = quote_identifier(t.columns[columns[0]].name) + " IN (";
        for (std::size_t i = 0; i < values; ++i) out += i ? ", ?" : "?";
        return out + ")";
    }
    for (std::size_t i = 0; i < values; ++i) {
        out += i ? " OR (" : "(";
        for (std::size_t j = 0; j < columns.size(); ++j) {
            out += (j ? " AND " : "") + quote_identifier(t.columns[columns[j]].name) + " = ?";
        }
        out += ")";
    }
    return out;
}

void bind_value(sql::PreparedStatement& st, int& at, const layout_column& column,
                const std::string& v) {
    ++at;
    if (column.kind == value_kind::integer && !v.empty()) {
        const char* end = v.data() + v.size();
        if (v[0] == '-') {
            std::int64_t i = 0;
            if (auto r = std::from_chars(v.data(), end, i); r.ec == std::errc() && r.ptr == end) {
                st.setInt64(at, i);
                return;
            }
        } else {
            std::uint64_t u = 0;
            if (auto r = std::from_chars(v.data(), end, u); r.ec == std::errc() && r.ptr == end) {
                st.setUInt64(at, u);
                return;
            }
        }
    }
    st.setString(at, v);
}

void bind_tuples(sql::PreparedStatement& st, int& at, const table_layout& t,
                 const std::vector<std::size_t>& columns,
                 const std::vector<std::vector<std::string>>& tuples) {
    for (const auto& v : tuples) {
        for (std::size_t j = 0; j < columns.size(); ++j) bind_value(st, at, t.columns[columns[j]], v[j]);
    }
}

std::vector<table_row> read_rows(sql::ResultSet& rs, std::size_t columns) {
    std::vector<table_row> rows;
    while (rs.next()) {
        table_row row(columns);
        for (std::size_t i = 0; i < columns; ++i) {
            const auto column = static_cast<std::uint32_t>(i + 1);
            sql::SQLString text = rs.getString(column);
            if (!rs.isNull(column)) row[i] = text.asStdString();
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<std::string> key_of(const table_layout& t, const table_row& row) {
    std::vector<std::string> out;
    out.reserve(t.key.size());
    for (std::size_t k : t.key) out.push_back(row[k].value_or(""));
    return out;
}

std::string encode_fields(const table_row& row, const std::vector<std::size_t>& columns) {
    std::string out;
    for (std::size_t c : columns) {
        if (!row[c]) {
            out += "N;";
            continue;
        }
        out.append(std::to_string(row[c]->size())).append(":").append(*row[c]);
    }
    return out;
}

std::string encode_values(const std::vector<std::string>& values) {
    std::string out;
    for (const auto& v : values) out.append(std::to_string(v.size())).append(":").append(v);
    return out;
}

}  // namespace gangway::mover
