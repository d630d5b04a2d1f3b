#pragma once

// An account's rows as queries the database answers by itself: for every table the plan
// visits, one SELECT whose WHERE follows the plan's edges from the root as nested `IN (SELECT
// ...)` semi-joins, so a table's rows stream out of one statement instead of thousands of
// page lookups (row_walker). `gangway migrate` and its rehearsal read with it; the walker
// stays the reference (dump, --abort, naming the rows that differ).
//
// What it promises:
//  - Outside cycles it selects exactly the rows the walker finds: each table's rows are those
//    its incoming edges reach from the rows of the tables before it (one edge: a semi-join; several: the
//    union of their keys, joined back to the table). Each row once, so no key cache is needed.
//  - Edges that close a cycle are left out of the queries. closing_checks() gives, per such
//    edge, a query that returns a row when the edge reaches a row outside its table's set;
//    when none does, the sets are closed under every edge and equal the walker's. When one
//    does, the caller walks instead (an edge into the root table: another account's row, an
//    error as in the walker).
//  - Columns in the queries are qualified with their table; literals are written for the
//    session sql_mode load_sql_mode (backslash escapes).
//  - usable() is false when a query would exceed max_query_bytes (deep graphs with many
//    paths repeat their subqueries): the caller walks instead.

#include <cstddef>
#include <string>
#include <vector>

#include "gateway/mover/key_ranges.hpp"
#include "gateway/mover/row_digest.hpp"
#include "gateway/mover/schema_model.hpp"
#include "gateway/mover/traversal_plan.hpp"

namespace gangway::mover {

inline constexpr std::size_t max_query_bytes = 1024 * 1024;

class set_selection {
public:
    // accounts: values of root.key as the server prints them ("42"). `layouts` must hold every
    // table the plan visits (build_layouts) and outlive the selection.
    set_selection(const schema_model& model, const traversal_plan& plan, const layout_map& layouts,
                  const std::vector<std::string>& accounts);

    bool usable() const noexcept { return usable_; }

    // "SELECT <expressions> FROM <the table's rows of the accounts>"; expressions may name
    // the table's columns unqualified (select_expression, the row digest).
    std::string select(const std::string& table, const std::string& expressions) const;
    // The same, ordered by the table's key: what InnoDB inserts fastest, into full pages.
    std::string select_in_key_order(const std::string& table, const std::string& expressions) const;
    // One part of the table's rows (key_ranges.hpp), in key order unless `ordered` is false
    // (aggregates): a between-part reads the primary key's index (FORCE INDEX) over its range,
    // a range-part too, without asking whether each row is the set's.
    // A table whose rows come from several edges (joined back from their keys) is read whole:
    // `part` must be kind::all for it (single_source false).
    std::string select_part(const std::string& table, const std::string& expressions, const key_part& part,
                            bool ordered = true) const;
    bool single_source(const std::string& table) const;

    struct closing_check {
        std::string table;  // the table the edge leads back to
        std::string edge;   // follow_edge::text()
        bool into_root = false;
        std::string key;    // the table's key columns: "id", "account_id, day"
        std::string query;  // the key (as "1, 2") of a row the edge reaches outside the set
    };
    std::vector<closing_check> closing_checks() const;

    // The tables the plan visits, in plan order.
    std::vector<std::string> tables() const;

private:
    struct row_source {
        std::string from;   // "`t`" or "(...) AS gw_keys JOIN `t` ON ..."
        std::string where;  // over `t`.columns; never empty
    };
    const row_source& source(const std::string& table) const;
    std::string edge_condition(const follow_edge& e) const;
    std::string column(const std::string& table, const std::string& name) const;

    const schema_model& model_;
    const traversal_plan& plan_;
    const layout_map& layouts_;
    std::vector<row_source> sources_;  // by plan order
    bool usable_ = true;
};

}  // namespace gangway::mover
