#include "gateway/mover/array_insert.hpp"

#include <charconv>
#include <cstring>
#include <string>

#include <mysql.h>

#include "gateway/mover/bound_insert.hpp"  // batch_end
#include "gateway/mover/sql_literal.hpp"  // insert_head

namespace gangway::mover {
namespace {

bool is_unsigned(const layout_column& c) {
    return c.kind == value_kind::bit || c.column_type.find("unsigned") != std::string::npos;
}

template <class Number>
bool parse(const std::string& text, Number& out) {
    const char* end = text.data() + text.size();
    return !text.empty() && std::from_chars(text.data(), end, out) == std::from_chars_result{end, std::errc{}};
}

// One column's values of a batch, laid out as Connector/C's column-wise array binding wants
// them: numbers in one array, or pointers to the rows' own text with their lengths.
struct column_values {
    std::vector<char> indicators;
    std::vector<std::uint64_t> numbers;  // int64 bits for a signed column
    std::vector<const char*> texts;
    std::vector<unsigned long> lengths;

    // Fills `bind` for rows [first, end) of `rows`' `column`th value.
    void bind(MYSQL_BIND& bind, const layout_column& c, const std::vector<table_row>& rows, std::size_t column,
              std::size_t first, std::size_t end) {
        const std::size_t n = end - first;
        indicators.assign(n, STMT_INDICATOR_NONE);
        for (std::size_t i = 0; i < n; ++i) {
            if (!rows[first + i][column]) indicators[i] = STMT_INDICATOR_NULL;
        }
        std::memset(&bind, 0, sizeof bind);
        bind.u.indicator = indicators.data();
        if ((c.kind == value_kind::integer || c.kind == value_kind::bit) && as_numbers(c, rows, column, first, end)) {
            bind.buffer_type = MYSQL_TYPE_LONGLONG;
            bind.buffer = numbers.data();
            bind.is_unsigned = is_unsigned(c);
            return;
        }
        texts.assign(n, "");
        lengths.assign(n, 0);
        for (std::size_t i = 0; i < n; ++i) {
            if (const auto& v = rows[first + i][column]) {
                texts[i] = v->data();
                lengths[i] = static_cast<unsigned long>(v->size());
            }
        }
        bind.buffer_type = MYSQL_TYPE_STRING;
        bind.buffer = texts.data();
        bind.length = lengths.data();
    }

    // The batch's values as numbers; false when one is not (never read from such a column).
    bool as_numbers(const layout_column& c, const std::vector<table_row>& rows, std::size_t column, std::size_t first,
                    std::size_t end) {
        numbers.assign(end - first, 0);
        const bool unsigned_column = is_unsigned(c);
        for (std::size_t i = 0; i < numbers.size(); ++i) {
            const auto& v = rows[first + i][column];
            if (!v) continue;
            std::int64_t signed_value = 0;
            if (unsigned_column ? !parse(*v, numbers[i]) : !parse(*v, signed_value)) return false;
            if (!unsigned_column) numbers[i] = static_cast<std::uint64_t>(signed_value);
        }
        return true;
    }
};

std::string single_row_insert(const table_layout& t, bool ignore) {
    std::string out = insert_head(t, ignore) + "(";
    bool first = true;
    for (const auto& c : t.columns) {
        if (c.generated) continue;
        out += first ? "?" : ", ?";
        first = false;
    }
    return out + ")";
}

}  // namespace

std::uint64_t insert_array(native_session& session, const table_layout& t, const std::vector<table_row>& rows,
                           bool ignore, std::size_t max_bytes) {
    MYSQL_STMT* statement = session.prepared(single_row_insert(t, ignore));
    std::vector<std::size_t> written;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        if (!t.columns[i].generated) written.push_back(i);
    }
    std::vector<column_values> values(written.size());
    std::vector<MYSQL_BIND> binds(written.size());
    std::uint64_t total = 0;
    for (std::size_t first = 0; first < rows.size();) {
        std::size_t bytes = 0;
        const std::size_t end = batch_end(rows, first, rows.size(), max_bytes, bytes);
        for (std::size_t k = 0; k < written.size(); ++k) {
            values[k].bind(binds[k], t.columns[written[k]], rows, written[k], first, end);
        }
        unsigned int size = static_cast<unsigned int>(end - first);
        if (mysql_stmt_attr_set(statement, STMT_ATTR_ARRAY_SIZE, &size) != 0 ||
            mysql_stmt_bind_param(statement, binds.data()) != 0 || mysql_stmt_execute(statement) != 0) {
            session.fail(statement);
        }
        total += bytes;
        first = end;
    }
    return total;
}

}  // namespace gangway::mover
