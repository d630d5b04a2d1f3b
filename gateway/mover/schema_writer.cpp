#include "gateway/mover/schema_writer.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <sstream>

#include "gateway/mover/toml_reader.hpp"

namespace gangway::mover {
namespace {


// SQL over several lines stays readable as a multi-line literal string, when it can be one:
// no control characters but newlines and tabs, no ''' inside, no quote right at the end.
std::string sql_text(const std::string& s) {
    const bool plain = std::none_of(s.begin(), s.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7f;
    });
    if (s.find('\n') == std::string::npos || !plain || s.find("'''") != std::string::npos ||
        s.back() == '\'') {
        return toml_basic_string(s);
    }
    return "'''\n" + s + "'''";
}

std::string literal(const column_literal& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    return toml_basic_string(std::get<std::string>(v));
}

std::string string_array(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + toml_basic_string(items[i]);
    return out + "]";
}

// "table.column", or an array of them for several columns.
std::string side(const std::string& table, const std::vector<std::string>& columns) {
    std::vector<std::string> refs;
    for (const auto& c : columns) refs.push_back(table + "." + c);
    return refs.size() == 1 ? toml_basic_string(refs.front()) : string_array(refs);
}

std::string match(const std::vector<column_value>& values) {
    std::string out = "{ ";
    for (std::size_t i = 0; i < values.size(); ++i) {
        out += (i ? ", " : "") + toml_key_text(values[i].column) + " = " + literal(values[i].value);
    }
    return out + " }";
}

std::string cleanse(const std::vector<cleanse_rule>& rules) {
    std::string out = "{ ";
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const auto& r = rules[i];
        const std::string value = r.kind == cleanse_kind::constant
                                      ? "{ constant = " + literal(r.constant) + " }"
                                      : toml_basic_string(std::string(cleanse_kind_name(r.kind)));
        out += (i ? ", " : "") + toml_key_text(r.column) + " = " + value;
    }
    return out + " }";
}

// TOML comments may not hold control characters; names from a database might.
void comment(std::ostream& out, const std::string& text) {
    if (text.empty()) return;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        for (char& c : line) {
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
        }
        out << "# " << line << "\n";
    }
}

void write_top(std::ostream& out, const schema_model& m) {
    out << "format = 1\n";
    if (!m.end_sql.empty()) {
        out << "end_sql = [\n";
        for (const auto& s : m.end_sql) out << "  " << sql_text(s) << ",\n";
        out << "]\n";
    }
    out << "\n[root]\ntable = " << toml_basic_string(m.root_table)
        << "\nkey = " << toml_basic_string(m.root_key) << "\n";
    out << "\n[defaults]\nbatch_rows = " << m.batch_rows << "\nlookup_batch = " << m.lookup_batch
        << "\n";
    if (m.dump_chunks != 1) out << "\n[dump]\nchunks = " << m.dump_chunks << "\n";
    if (!m.cleansing_key.file.empty()) {
        out << "\n[cleansing]\nkey_file = " << toml_basic_string(m.cleansing_key.file) << "\n";
    } else if (!m.cleansing_key.env.empty()) {
        out << "\n[cleansing]\nkey_env = " << toml_basic_string(m.cleansing_key.env) << "\n";
    }
}

void write_table(std::ostream& out, const table_rules& t) {
    out << "\n";
    comment(out, t.note);
    out << "[tables." << toml_key_text(t.name) << "]\n";
    if (t.shared) out << "shared = true\n";
    if (!t.key.empty()) out << "key = " << string_array(t.key) << "\n";
    if (!t.key_cache) out << "key_cache = false\n";
    if (t.duplicates == duplicate_policy::ignore) out << "duplicates = \"ignore\"\n";
    if (t.batch_rows) out << "batch_rows = " << *t.batch_rows << "\n";
    if (!t.cleanse.empty()) out << "cleanse = " << cleanse(t.cleanse) << "\n";
}

void write_relationship(std::ostream& out, const relationship& r) {
    out << "\n";
    comment(out, r.note);
    out << "[[relationships]]\n";
    out << "from = " << side(r.from.table, r.from.columns) << "\n";
    out << "to = " << side(r.to.table, r.to.columns) << "\n";
    if (!r.from_match.empty()) out << "from_match = " << match(r.from_match) << "\n";
    if (!r.to_match.empty()) out << "to_match = " << match(r.to_match) << "\n";
    if (r.through) {
        out << "through = { from = " << side(r.through->table, r.through->from_columns)
            << ", to = " << side(r.through->table, r.through->to_columns) << " }\n";
    }
    if (r.both_ways) out << "both_ways = true\n";
    if (r.lookup_batch) out << "lookup_batch = " << *r.lookup_batch << "\n";
}

}  // namespace

std::string write_schema_toml(const schema_model& m, const std::vector<std::string>& header,
                              const std::vector<std::string>& footer) {
    std::ostringstream out;
    for (const auto& line : header) comment(out, line);
    if (!header.empty()) out << "\n";
    write_top(out, m);
    for (const auto& [name, rules] : m.tables) write_table(out, rules);
    for (const auto& r : m.relationships) write_relationship(out, r);
    if (!m.excluded.empty()) {
        out << "\n[excluded]\n";
        for (const auto& e : m.excluded)
            out << toml_key_text(e.name) << " = " << toml_basic_string(e.reason) << "\n";
    }
    if (!footer.empty()) out << "\n";
    for (const auto& line : footer) comment(out, line);
    return out.str();
}

}  // namespace gangway::mover
