#include "gateway/mover/load_data.hpp"

#include "gateway/mover/sql_literal.hpp"

namespace gangway::mover {
namespace {

bool spatial(const layout_column& c) {
    return c.kind == value_kind::bytes && c.data_type != "binary" && c.data_type != "varbinary" &&
           c.data_type.find("blob") == std::string::npos;
}

void append_field(std::string& out, const row_field& value) {
    if (!value) {
        out += "\\N";
        return;
    }
    for (char c : *value) {
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\t': out += "\\t"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\0': out += "\\0"; break;
            default: out += c;
        }
    }
}

}  // namespace

bool loadable(const table_layout& t, bool interleaved) {
    for (const auto& c : t.columns) {
        if (spatial(c) || (c.auto_increment && !interleaved)) return false;
    }
    return true;
}

void append_load_row(std::string& out, const table_layout& t, const table_row& row) {
    bool first = true;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        if (t.columns[i].generated) continue;
        if (!first) out += '\t';
        first = false;
        append_field(out, row[i]);
    }
    out += '\n';
}

std::string load_statement(const table_layout& t, const std::string& path) {
    std::string s = "LOAD DATA LOCAL INFILE ";
    append_string_literal(s, path);
    s += " IGNORE INTO TABLE " + quote_identifier(t.name) +
         " CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY "
         "'\\n' (";
    std::string bits;
    bool first = true;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const layout_column& c = t.columns[i];
        if (c.generated) continue;
        s += first ? "" : ", ";
        first = false;
        if (c.kind != value_kind::bit) {
            s += quote_identifier(c.name);
            continue;
        }
        const std::string var = "@gw_bit" + std::to_string(i);
        s += var;
        bits += (bits.empty() ? " SET " : ", ") + quote_identifier(c.name) + " = CAST(" + var +
                " AS UNSIGNED)";
    }
    return s + ")" + bits;
}

}  // namespace gangway::mover
