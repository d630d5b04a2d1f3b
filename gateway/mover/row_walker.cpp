#include "gateway/mover/row_walker.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <unordered_set>
#include <utility>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "gateway/mover/sql_lookup.hpp"

namespace gangway::mover {
namespace {

using value_tuple = std::vector<std::string>;
using column_pin = std::pair<std::size_t, std::string>;  // a column index and its value

std::string literal_value(const column_literal& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    return std::get<std::string>(v);
}

std::size_t column_index(const table_layout& t, const std::string& column) {
    return *t.find(column);  // build_layouts checked every column an edge uses
}

std::vector<column_pin> pins(const table_layout& t, const std::vector<column_value>& match) {
    std::vector<column_pin> out;
    for (const auto& m : match) out.emplace_back(column_index(t, m.column), literal_value(m.value));
    return out;
}

// One way rows are looked up in a table: the root lookup, or an edge's `to` side. Its values
// come from the rows found so far; `asked` holds every value already looked up.
struct lookup {
    const table_layout* table = nullptr;
    std::vector<std::size_t> columns;
    std::vector<column_pin> match;
    std::size_t batch = default_lookup_batch;
    bool by_key = false;  // the columns are the key cache's key: skip values already copied
    // The order pages are read in: the lookup columns, then the key's other columns. That is
    // the order of the index a relationship's columns need (InnoDB appends the primary key
    // to it), so each page is the next batch_rows entries of that index. Ordered by the key
    // alone, `col IN (...) ORDER BY key LIMIT n` makes the server read and sort every row
    // still to come for each page: quadratic in the rows one lookup finds.
    std::vector<std::size_t> order;
    std::string origin;   // for messages: the edge, or "the accounts given"
    std::set<value_tuple> pending;
    std::set<value_tuple> asked;
};

// An edge leaving a table: which of its rows it follows and which lookup it feeds.
struct outgoing {
    std::size_t lookup = 0;
    std::vector<std::size_t> from_columns;
    std::vector<column_pin> from_match;
};

struct table_state {
    std::unordered_set<std::string> seen;  // the key cache
    std::vector<std::size_t> lookups_in;
    std::vector<outgoing> out;
};

std::string select_list(const table_layout& t) {
    std::string out;
    for (const auto& c : t.columns) out += (out.empty() ? "" : ", ") + select_expression(c);
    return out;
}

std::string lookup_condition(const lookup& l, std::size_t values) {
    return tuple_condition(*l.table, l.columns, values);
}

// Rows after the last one read, in page order: `c1 > ? OR (c1 = ? AND c2 > ?) ...`.
std::string after_condition(const table_layout& t, const std::vector<std::size_t>& order) {
    std::string out;
    for (std::size_t i = 0; i < order.size(); ++i) {
        out += i ? " OR (" : "(";
        for (std::size_t j = 0; j < i; ++j) {
            out += quote_identifier(t.columns[order[j]].name) + " = ? AND ";
        }
        out += quote_identifier(t.columns[order[i]].name) + " > ?)";
    }
    return out;
}

std::string page_query(const lookup& l, std::size_t values, bool after) {
    const table_layout& t = *l.table;
    std::string q = "SELECT " + select_list(t) + " FROM " + quote_identifier(t.name) + " WHERE (" +
                    lookup_condition(l, values) + ")";
    for (const auto& [column, value] : l.match) {
        q += " AND " + quote_identifier(t.columns[column].name) + " = ?";
    }
    if (after) q += " AND (" + after_condition(t, l.order) + ")";
    q += " ORDER BY ";
    for (std::size_t i = 0; i < l.order.size(); ++i) {
        q += (i ? ", " : "") + quote_identifier(t.columns[l.order[i]].name);
    }
    return q + " LIMIT " + std::to_string(t.batch_rows);
}

// One walk: the lookups and key caches of one call to row_walker::walk.
class walk_state {
public:
    walk_state(const schema_model& model, const traversal_plan& plan,
               const std::map<std::string, table_layout, std::less<>>& layouts,
               sql::Connection& c, const std::vector<std::string>& accounts, const row_sink& sink)
        : model_(model), plan_(plan), c_(c), sink_(sink),
          accounts_(accounts.begin(), accounts.end()) {
        const table_layout& root = layouts.find(model.root_table)->second;
        root_key_ = column_index(root, model.root_key);
        add_lookup(root, {model.root_key}, {}, model.lookup_batch,
                   "the accounts given (" + model.root_table + "." + model.root_key + ")");
        for (const auto& a : accounts) lookups_[0].pending.insert({a});
        for (const auto& e : plan.edges) {
            const table_layout& from = layouts.find(e.from.table)->second;
            const table_layout& to = layouts.find(e.to.table)->second;
            outgoing o{lookups_.size(), {}, pins(from, e.from_match)};
            for (const auto& column : e.from.columns) {
                o.from_columns.push_back(column_index(from, column));
            }
            tables_[from.name].out.push_back(std::move(o));
            add_lookup(to, e.to.columns, e.to_match, e.lookup_batch, e.text());
        }
    }

    void run() {
        check_accounts_exist();
        for (bool any = true; any;) {
            any = false;
            for (const auto& step : plan_.order) any = visit(step.table) || any;
        }
    }

private:
    void add_lookup(const table_layout& t, const std::vector<std::string>& columns,
                    const std::vector<column_value>& match, std::size_t batch, std::string origin) {
        lookup l;
        l.table = &t;
        for (const auto& c : columns) l.columns.push_back(column_index(t, c));
        l.match = pins(t, match);
        l.batch = batch;
        l.by_key = t.key_cache && l.match.empty() && l.columns == t.key;
        l.order = l.columns;
        for (std::size_t k : t.key) {
            if (std::find(l.order.begin(), l.order.end(), k) == l.order.end()) l.order.push_back(k);
        }
        l.origin = std::move(origin);
        tables_[t.name].lookups_in.push_back(lookups_.size());
        lookups_.push_back(std::move(l));
    }

    // Looks up everything pending for the table, again while its own rows add more (an edge
    // from a table to itself). True when there was anything to look up.
    bool visit(const std::string& table) {
        bool visited = false;
        for (bool again = true; again;) {
            again = false;
            for (std::size_t i : tables_[table].lookups_in) {
                if (lookups_[i].pending.empty()) continue;
                again = visited = true;
                drain(i);
            }
        }
        return visited;
    }

    void drain(std::size_t index) {
        lookup& l = lookups_[index];
        // The values move (node by node, never copied) into `asked` before the fetches, whose
        // rows may lead back here; the lookups point at them there.
        std::vector<const value_tuple*> values;
        const auto& seen = tables_[l.table->name].seen;
        while (!l.pending.empty()) {
            auto moved = l.asked.insert(l.pending.extract(l.pending.begin()));
            if (!moved.inserted) continue;
            if (l.by_key && seen.count(encode_values(*moved.position))) continue;
            values.push_back(&*moved.position);
        }
        for (std::size_t begin = 0; begin < values.size(); begin += l.batch) {
            const std::size_t end = std::min(values.size(), begin + l.batch);
            fetch(index, std::span(values).subspan(begin, end - begin));
        }
    }

    // Every page of the rows that match these values.
    void fetch(std::size_t index, std::span<const value_tuple* const> values) {
        const lookup& l = lookups_[index];
        const table_layout& t = *l.table;
        std::optional<table_row> last;
        // Prepared once per lookup and re-executed for each page: a big lookup has many.
        std::unique_ptr<sql::PreparedStatement> first_page;
        std::unique_ptr<sql::PreparedStatement> next_page;
        for (;;) {
            auto& st = last ? next_page : first_page;
            if (!st) st.reset(c_.prepareStatement(page_query(l, values.size(), last.has_value())));
            std::vector<table_row> rows = read_page(*st, l, values, last ? &*last : nullptr);
            const bool full = rows.size() == t.batch_rows;
            if (full) last = page_end(l, rows.back());  // before the sink may cleanse it
            accept(index, std::move(rows));
            if (!full) return;
        }
    }

    // Lookup columns are never NULL in an answer (NULL equals nothing); key columns might be.
    static table_row page_end(const lookup& l, const table_row& row) {
        const table_layout& t = *l.table;
        for (std::size_t k : l.order) {
            if (row[k]) continue;
            throw walk_error(t.name + "." + t.columns[k].name +
                             ": NULL in a key column: the rows cannot be read page by page in "
                             "key order; declare a key of NOT NULL columns");
        }
        return row;
    }

    // `st`: page_query(l, values.size(), after != nullptr), prepared.
    static std::vector<table_row> read_page(sql::PreparedStatement& st, const lookup& l,
                                            std::span<const value_tuple* const> values,
                                            const table_row* after) {
        const table_layout& t = *l.table;
        int at = 0;
        for (const value_tuple* v : values) {
            for (std::size_t j = 0; j < l.columns.size(); ++j) {
                bind_value(st, at, t.columns[l.columns[j]], (*v)[j]);
            }
        }
        for (const auto& [column, value] : l.match) bind_value(st, at, t.columns[column], value);
        if (after) {
            for (std::size_t i = 0; i < l.order.size(); ++i) {
                for (std::size_t j = 0; j <= i; ++j) {
                    bind_value(st, at, t.columns[l.order[j]], *(*after)[l.order[j]]);
                }
            }
        }
        std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
        return read_rows(*rs, t.columns.size());
    }

    // Drops rows already copied, follows the edges from the new ones, hands them over.
    void accept(std::size_t index, std::vector<table_row> rows) {
        const lookup& l = lookups_[index];
        const table_layout& t = *l.table;
        table_state& state = tables_[t.name];
        if (t.name == model_.root_table) guard_root(index, rows);
        if (t.key_cache) {
            std::erase_if(rows, [&](const table_row& r) {
                return !state.seen.insert(encode_fields(r, t.key)).second;
            });
        }
        if (rows.empty()) return;
        for (const auto& o : state.out) follow(o, rows);
        sink_(t, rows);
    }

    // The root table holds every account: rows of accounts not given must never come in.
    void guard_root(std::size_t index, const std::vector<table_row>& rows) {
        for (const auto& r : rows) {
            const std::string id = r[root_key_].value_or("NULL");
            if (index != 0 && !accounts_.count(id)) {
                throw walk_error(lookups_[index].origin + ": reaches " + model_.root_table +
                                 " row " + model_.root_key + " = " + id +
                                 ", another account: following it would copy that account's "
                                 "rows too; a relationship into " + model_.root_table +
                                 " must only lead back to the accounts being copied");
            }
        }
    }

    // Before any row is handed over: every account has its root row.
    void check_accounts_exist() {
        const lookup& root = lookups_[0];
        const table_layout& t = *root.table;
        const std::vector<std::string> ids(accounts_.begin(), accounts_.end());
        std::set<std::string> found;
        for (std::size_t begin = 0; begin < ids.size(); begin += root.batch) {
            const std::size_t end = std::min(ids.size(), begin + root.batch);
            std::string q = "SELECT " + select_expression(t.columns[root_key_]) + " FROM " +
                            quote_identifier(t.name) + " WHERE " + lookup_condition(root, end - begin);
            std::unique_ptr<sql::PreparedStatement> st(c_.prepareStatement(q));
            int at = 0;
            for (std::size_t i = begin; i < end; ++i) bind_value(*st, at, t.columns[root_key_], ids[i]);
            std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
            while (rs->next()) found.insert(rs->getString(1).asStdString());
        }
        for (const auto& a : ids) {
            if (found.count(a)) continue;
            throw walk_error("account " + a + ": no row in " + model_.root_table + " with " +
                             model_.root_key + " = " + a);
        }
    }

    void follow(const outgoing& o, const std::vector<table_row>& rows) {
        lookup& target = lookups_[o.lookup];
        const auto& seen = tables_[target.table->name].seen;
        for (const auto& r : rows) {
            const bool matches = std::all_of(o.from_match.begin(), o.from_match.end(),
                                             [&](const column_pin& p) { return r[p.first] == p.second; });
            if (!matches) continue;
            value_tuple v;
            for (std::size_t c : o.from_columns) {
                if (!r[c]) break;  // NULL never equals anything
                v.push_back(*r[c]);
            }
            if (v.size() != o.from_columns.size() || target.asked.count(v)) continue;
            if (target.by_key && seen.count(encode_values(v))) continue;
            target.pending.insert(std::move(v));
        }
    }

    const schema_model& model_;
    const traversal_plan& plan_;
    sql::Connection& c_;
    const row_sink& sink_;
    std::set<std::string> accounts_;
    std::size_t root_key_ = 0;
    std::vector<lookup> lookups_;  // [0]: the root lookup; then one per plan edge
    std::map<std::string, table_state, std::less<>> tables_;
};

void execute(sql::Connection& c, const char* statement) {
    std::unique_ptr<sql::Statement> st(c.createStatement());
    st->execute(statement);
}

}  // namespace

row_walker::row_walker(const schema_model& model, const traversal_plan& plan,
                       const std::map<std::string, table_layout, std::less<>>& layouts)
    : model_(model), plan_(plan), layouts_(layouts) {}

void row_walker::walk(sql::Connection& c, const std::vector<std::string>& accounts,
                      const row_sink& sink) const {
    execute(c, "SET SESSION time_zone = '+00:00'");
    execute(c, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    execute(c, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY");
    walk_state state(model_, plan_, layouts_, c, accounts, sink);
    state.run();
    execute(c, "COMMIT");
}

}  // namespace gangway::mover
