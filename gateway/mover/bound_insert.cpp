#include "gateway/mover/bound_insert.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <memory>

#include <cppconn/connection.h>
#include <cppconn/datatype.h>
#include <cppconn/prepared_statement.h>

#include "gateway/mover/sql_literal.hpp"

namespace gangway::mover {
namespace {

constexpr std::size_t most_rows = 1000;
constexpr std::size_t most_parameters = 65535;

std::size_t written_columns(const table_layout& t) {
    return static_cast<std::size_t>(
        std::count_if(t.columns.begin(), t.columns.end(), [](const layout_column& c) { return !c.generated; }));
}

std::size_t value_bytes(const table_row& row) {
    std::size_t n = 0;
    for (const auto& v : row) n += v ? v->size() : 0;
    return n;
}

// An integer's (or BIT's unsigned) text as the number: the server then converts nothing. Text
// that is not one (never read from such a column) goes as text.
void bind_integer(sql::PreparedStatement& st, unsigned index, const std::string& text) {
    const char* end = text.data() + text.size();
    if (!text.empty() && text[0] == '-') {
        std::int64_t v = 0;
        if (std::from_chars(text.data(), end, v) == std::from_chars_result{end, std::errc{}}) return st.setInt64(index, v);
    } else {
        std::uint64_t v = 0;
        if (std::from_chars(text.data(), end, v) == std::from_chars_result{end, std::errc{}}) return st.setUInt64(index, v);
    }
    st.setString(index, text);
}

void bind_row(sql::PreparedStatement& st, unsigned& index, const table_layout& t, const table_row& row) {
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const layout_column& c = t.columns[i];
        if (c.generated) continue;
        const row_field& v = row[i];
        if (!v) {
            st.setNull(index++, sql::DataType::VARCHAR);
        } else if (c.kind == value_kind::integer || c.kind == value_kind::bit) {
            bind_integer(st, index++, *v);
        } else {
            st.setString(index++, *v);
        }
    }
}

// The statements of one call, prepared once per row count.
class statements {
public:
    statements(sql::Connection& c, const table_layout& t, bool ignore) : c_(c), t_(t), ignore_(ignore) {}

    sql::PreparedStatement& of(std::size_t rows) {
        auto& st = by_rows_[rows];
        if (!st) st.reset(c_.prepareStatement(bound_insert_sql(t_, rows, ignore_)));
        return *st;
    }

private:
    sql::Connection& c_;
    const table_layout& t_;
    bool ignore_;
    std::map<std::size_t, std::unique_ptr<sql::PreparedStatement>> by_rows_;
};

}  // namespace

std::size_t batch_end(const std::vector<table_row>& rows, std::size_t first, std::size_t max_rows,
                      std::size_t max_bytes, std::size_t& bytes) {
    std::size_t end = first;
    bytes = 0;
    while (end < rows.size() && end - first < max_rows) {
        const std::size_t row_bytes = value_bytes(rows[end]);
        if (end > first && bytes + row_bytes > max_bytes) break;
        bytes += row_bytes;
        ++end;
    }
    return end;
}

std::size_t bound_rows_per_statement(const table_layout& t) {
    return std::clamp<std::size_t>(most_parameters / std::max<std::size_t>(written_columns(t), 1), 1, most_rows);
}

std::string bound_insert_sql(const table_layout& t, std::size_t rows, bool ignore) {
    std::string one = "(";
    for (std::size_t i = written_columns(t); i > 0; --i) one += i > 1 ? "?, " : "?)";
    std::string out = insert_head(t, ignore);
    out.reserve(out.size() + rows * (one.size() + 2));
    for (std::size_t r = 0; r < rows; ++r) out.append(r ? ", " : "").append(one);
    return out;
}

std::uint64_t insert_bound(sql::Connection& c, const table_layout& t, const std::vector<table_row>& rows,
                           bool ignore, std::size_t max_bytes) {
    statements prepared(c, t, ignore);
    const std::size_t per_statement = bound_rows_per_statement(t);
    std::uint64_t total = 0;
    for (std::size_t first = 0; first < rows.size();) {
        std::size_t bytes = 0;
        const std::size_t end = batch_end(rows, first, per_statement, max_bytes, bytes);
        sql::PreparedStatement& st = prepared.of(end - first);
        unsigned index = 1;
        for (std::size_t r = first; r < end; ++r) bind_row(st, index, t, rows[r]);
        st.executeUpdate();
        total += bytes;
        first = end;
    }
    return total;
}

}  // namespace gangway::mover
