#include "gateway/mover/sql_literal.hpp"

#include <algorithm>
#include <cctype>

namespace gangway::mover {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// -?digits(.digits)?: the server's text for integers and decimals.
bool is_plain_number(std::string_view v) {
    if (!v.empty() && v[0] == '-') v.remove_prefix(1);
    const auto dot = v.find('.');
    const auto all_digits = [](std::string_view s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), is_digit);
    };
    if (dot == std::string_view::npos) return all_digits(v);
    return all_digits(v.substr(0, dot)) && all_digits(v.substr(dot + 1));
}

// A plain number, optionally with an exponent: the server's text for a DOUBLE.
bool is_float_number(std::string_view v) {
    const auto e = v.find_first_of("eE");
    if (e == std::string_view::npos) return is_plain_number(v);
    std::string_view exponent = v.substr(e + 1);
    if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) exponent.remove_prefix(1);
    return is_plain_number(v.substr(0, e)) && !exponent.empty() &&
           std::all_of(exponent.begin(), exponent.end(), is_digit);
}

}  // namespace

void append_string_literal(std::string& out, std::string_view text) {
    out += '\'';
    for (char c : text) {
        switch (c) {
            case '\0': out += "\\0"; break;
            case '\'': out += "\\'"; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\x1a': out += "\\Z"; break;
            default: out += c;
        }
    }
    out += '\'';
}

void append_hex_literal(std::string& out, std::string_view bytes) {
    static constexpr char digits[] = "0123456789ABCDEF";
    if (bytes.empty()) {
        out += "X''";
        return;
    }
    out += "0x";
    for (unsigned char b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 0x0f];
    }
}

void append_literal(std::string& out, const layout_column& column, const row_field& value) {
    if (!value) {
        out += "NULL";
        return;
    }
    const std::string& v = *value;
    switch (column.kind) {
        case value_kind::integer:
        case value_kind::decimal:
        case value_kind::bit:
            if (is_plain_number(v)) {
                out += v;
                return;
            }
            break;
        case value_kind::floating:
            if (is_float_number(v)) {
                out += v;
                if (v.find_first_of("eE") == std::string::npos) out += "e0";
                return;
            }
            break;
        case value_kind::bytes: append_hex_literal(out, v); return;
        case value_kind::temporal:
        case value_kind::text: break;
    }
    append_string_literal(out, v);
}

std::string insert_head(const table_layout& table, bool ignore) {
    std::string out = table.insert_ignore || ignore ? "INSERT IGNORE INTO " : "INSERT INTO ";
    out += quote_identifier(table.name) + " (";
    bool first = true;
    for (const auto& c : table.columns) {
        if (c.generated) continue;
        out += (first ? "" : ", ") + quote_identifier(c.name);
        first = false;
    }
    return out + ") VALUES ";
}

void append_row_values(std::string& out, const table_layout& table, const table_row& row) {
    out += '(';
    bool first = true;
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        if (table.columns[i].generated) continue;
        if (!first) out += ", ";
        append_literal(out, table.columns[i], row[i]);
        first = false;
    }
    out += ')';
}

std::string bind_placeholders(std::string_view sql, std::string_view value) {
    std::string out;
    char quote = 0;  // the quote we are inside of, or 0
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote) {
            out += c;
            if (c == '\\' && quote != '`' && i + 1 < sql.size()) {
                out += sql[++i];
            } else if (c == quote) {
                quote = 0;
            }
        } else if (c == '\'' || c == '"' || c == '`') {
            quote = c;
            out += c;
        } else if (c == '-' && sql.substr(i, 3) == "-- ") {
            const auto end = sql.find('\n', i);
            const auto n = end == std::string_view::npos ? sql.size() - i : end - i;
            out += sql.substr(i, n);
            i += n - 1;
        } else if (c == '?') {
            out += value;
        } else {
            out += c;
        }
    }
    return out;
}

std::vector<std::string> bound_end_sql(const schema_model& m, const layout_column& key,
                                        const std::vector<std::string>& accounts) {
    std::vector<std::string> out;
    for (const auto& account : accounts) {
        std::string literal;
        append_literal(literal, key, account);
        for (std::string s : m.end_sql) {
            while (!s.empty() && (s.back() == ';' || std::isspace(static_cast<unsigned char>(s.back()))))
                s.pop_back();
            out.push_back(bind_placeholders(s, literal));
        }
    }
    return out;
}

}  // namespace gangway::mover
