#include "gateway/mover/move_checks.hpp"

#include <algorithm>
#include <memory>
#include <set>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "gateway/mover/key_ranges.hpp"
#include "gateway/mover/sql_lookup.hpp"

namespace gangway::mover {
namespace {

constexpr std::size_t keys_per_query = 500;
constexpr std::size_t examples_per_table = 5;

using key_tuples = std::vector<std::vector<std::string>>;

// Calls fn(batch) for each slice of at most keys_per_query tuples.
template <class Fn>
void in_batches(const key_tuples& all, Fn&& fn) {
    for (std::size_t begin = 0; begin < all.size(); begin += keys_per_query) {
        const std::size_t end = std::min(all.size(), begin + keys_per_query);
        fn(key_tuples(all.begin() + begin, all.begin() + end));
    }
}

// The rows of `columns` (as text) among those whose `by` columns equal one of the tuples.
std::vector<table_row> select_by(sql::Connection& c, const table_layout& t,
                                 const std::vector<std::size_t>& by,
                                 const std::vector<std::size_t>& columns, const key_tuples& tuples) {
    std::string q = "SELECT ";
    for (std::size_t i = 0; i < columns.size(); ++i) {
        q += (i ? ", " : "") + select_expression(t.columns[columns[i]]);
    }
    q += " FROM " + quote_identifier(t.name) + " WHERE " + tuple_condition(t, by, tuples.size());
    std::unique_ptr<sql::PreparedStatement> st(c.prepareStatement(q));
    int at = 0;
    bind_tuples(*st, at, t, by, tuples);
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
    return read_rows(*rs, columns.size());
}

// Calls fn(row of t's key columns) for each row of the destination under one of `keys`.
// When the key's first column is an integer, the rows are first counted between the least and
// greatest of its values (the primary key's or index's prefix finds them): none there (the
// usual case for a new site) answers at once, and a range holding no more than a few times
// as many rows is read in one stream and matched here; otherwise the keys are looked up
// keys_per_query at a time.
template <class Fn>
void existing_keys(sql::Connection& c, const table_layout& t, const key_tuples& keys, Fn&& fn) {
    const auto span = t.columns[t.key[0]].kind == value_kind::integer ? span_of(keys, 0) : std::nullopt;
    if (span) {
        const std::string range = " FROM " + quote_identifier(t.name) + " WHERE " +
                                  quote_identifier(t.columns[t.key[0]].name) + " BETWEEN " + span->low +
                                  " AND " + span->high;
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> counted(st->executeQuery("SELECT COUNT(*)" + range));
        const std::uint64_t there = counted->next() ? counted->getUInt64(1) : 0;
        if (there == 0) return;
        if (there <= 4 * keys.size()) {
            std::set<std::string> wanted;
            for (const auto& k : keys) wanted.insert(encode_values(k));
            std::string columns;
            for (std::size_t k : t.key) columns += (columns.empty() ? "" : ", ") + select_expression(t.columns[k]);
            st->setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery("SELECT " + columns + range));
            for (auto& row : read_rows(*rs, t.key.size())) {
                std::vector<std::string> key;
                for (const auto& f : row) key.push_back(f.value_or(""));
                if (wanted.count(encode_values(key))) fn(row);
            }
            return;
        }
    }
    in_batches(keys, [&](const key_tuples& batch) {
        for (const auto& row : select_by(c, t, t.key, t.key, batch)) fn(row);
    });
}

std::string tuple_text(const table_row& row) {
    std::string out = "(";
    for (std::size_t i = 0; i < row.size(); ++i) out += (i ? ", " : "") + row[i].value_or("NULL");
    return out + ")";
}

void add_examples(std::vector<std::string>& out, const std::string& what, std::uint64_t count,
                  const std::vector<std::string>& examples) {
    if (count == 0) return;
    std::string line = what + ": " + std::to_string(count) + " already there";
    for (std::size_t i = 0; i < examples.size(); ++i) line += (i ? " " : ", e.g. ") + examples[i];
    out.push_back(std::move(line));
}

}  // namespace

std::vector<std::string> layout_mismatches(const layout_map& source,
                                           const database_catalog& destination) {
    std::vector<std::string> out;
    for (const auto& [name, layout] : source) {
        const catalog_table* there = destination.find(name);
        if (!there) {
            out.push_back(name + ": no such table in the destination database " + destination.schema);
            continue;
        }
        for (const auto& c : layout.columns) {
            const catalog_column* other = there->column(c.name);
            if (!other) {
                out.push_back(name + "." + c.name + ": missing on the destination");
            } else if (other->column_type != c.column_type) {
                out.push_back(name + "." + c.name + ": " + c.column_type + " on the source, " +
                              other->column_type + " on the destination");
            } else if (other->generated != c.generated) {
                out.push_back(name + "." + c.name + ": generated on one side only");
            }
        }
        for (const auto& c : there->columns) {
            if (!layout.find(c.name)) out.push_back(name + "." + c.name + ": missing on the source");
        }
    }
    return out;
}

std::map<std::string, std::vector<std::string>> email_columns(const move_context& ctx) {
    const auto users = ctx.layouts.find(ctx.users_table);
    if (ctx.email_column.empty() || users == ctx.layouts.end() || !users->second.find(ctx.email_column))
        return {};
    return {{ctx.users_table, {ctx.email_column}}};
}

row_sink collect_emails(const move_context& ctx, email_set& out) {
    if (email_columns(ctx).empty()) return {};
    return [&ctx, &out](const table_layout& t, std::vector<table_row>& rows) {
        if (t.name != ctx.users_table) return;
        const std::size_t column = *t.find(ctx.email_column);
        for (const auto& r : rows) {
            if (r[column]) out.push_back(*r[column]);
        }
    };
}

std::vector<std::string> collisions(sql::Connection& c, const move_context& ctx,
                                    const layout_map& lean, const account_digests& found,
                                    const email_set& emails, const account_digests& stale,
                                    const email_set& stale_emails) {
    std::vector<std::string> out;
    for (const auto& [name, digests] : found) {
        const table_layout& t = lean.find(name)->second;
        if (t.insert_ignore) continue;  // shared or duplicates = "ignore": existing rows are fine
        const auto old = stale.find(name);
        std::uint64_t count = 0;
        std::vector<std::string> examples;
        existing_keys(c, t, digests.keys, [&](const table_row& row) {
            std::vector<std::string> key;
            for (const auto& f : row) key.push_back(f.value_or(""));
            if (old != stale.end() && old->second.by_key.count(encode_values(key))) return;
            if (examples.size() < examples_per_table) examples.push_back(tuple_text(row));
            ++count;
        });
        add_examples(out, name, count, examples);
    }
    if (emails.empty()) return out;
    const table_layout& users = lean.find(ctx.users_table)->second;
    const std::vector<std::size_t> email{*users.find(ctx.email_column)};
    key_tuples tuples;
    const std::set<std::string> replaced(stale_emails.begin(), stale_emails.end());
    for (const auto& e : emails) {
        if (!replaced.count(e)) tuples.push_back({e});
    }
    std::uint64_t count = 0;
    std::vector<std::string> examples;
    in_batches(tuples, [&](const key_tuples& batch) {
        for (const auto& row : select_by(c, users, email, email, batch)) {
            if (examples.size() < examples_per_table) examples.push_back(row[0].value_or(""));
            ++count;
        }
    });
    add_examples(out, ctx.users_table + "." + ctx.email_column + " (a user's email)", count, examples);
    return out;
}

bool holds_key_between(sql::Connection& c, const table_layout& t, const key_span& span) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery(
        "SELECT 1 FROM " + quote_identifier(t.name) + " WHERE " + quote_identifier(t.columns[t.key[0]].name) +
        " BETWEEN " + span.low + " AND " + span.high + " LIMIT 1"));
    return rs->next();
}

bool has_root_row(sql::Connection& c, const schema_model& model, const layout_map& lean,
                  const std::string& account) {
    const table_layout& root = lean.find(model.root_table)->second;
    const std::vector<std::size_t> key{*root.find(model.root_key)};
    return !select_by(c, root, key, key, {{account}}).empty();
}

std::map<std::string, removal> delete_rows(sql::Connection& c, const layout_map& lean,
                                           const account_digests& source, bool only_matching) {
    std::unique_ptr<sql::Statement>(c.createStatement())->execute("SET SESSION foreign_key_checks = 0");
    std::map<std::string, removal> removed;
    for (const auto& [name, digests] : source) {
        const table_layout& t = lean.find(name)->second;
        if (t.shared) continue;
        std::vector<std::size_t> read = t.key;
        if (only_matching) read.push_back(digest_index(t));
        in_batches(digests.keys, [&](const key_tuples& batch) {
            key_tuples ours;
            for (const auto& row : select_by(c, t, t.key, read, batch)) {
                std::vector<std::string> key;
                for (std::size_t i = 0; i < t.key.size(); ++i) key.push_back(row[i].value_or(""));
                const auto mine = digests.by_key.find(encode_values(key));
                if (mine != digests.by_key.end() && (!only_matching || mine->second == row.back())) {
                    ours.push_back(key);
                } else {
                    ++removed[name].kept;
                }
            }
            if (ours.empty()) return;
            std::unique_ptr<sql::PreparedStatement> del(c.prepareStatement(
                "DELETE FROM " + quote_identifier(t.name) + " WHERE " +
                tuple_condition(t, t.key, ours.size())));
            int at = 0;
            bind_tuples(*del, at, t, t.key, ours);
            removed[name].removed += static_cast<std::uint64_t>(del->executeUpdate());
        });
    }
    return removed;
}

}  // namespace gangway::mover
