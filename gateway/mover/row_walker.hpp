#pragma once

// The row walker: finds exactly the rows of one or more accounts, table by table along the
// traversal plan, and hands them to a sink page by page. `gangway dump` writes them as SQL;
// `gangway migrate` will insert them on the destination.
//
// What it promises:
//  - It starts with the root rows (root.key IN accounts) and follows every edge with batched
//    lookups (`col IN (...)`, composite keys as OR'ed tuples, to_match as equalities), reading
//    each answer in pages of the table's batch_rows ordered by the lookup's columns, then the
//    key (keyset pagination in the order of the relationship's index), so memory holds one
//    page plus the key cache, never a whole table.
//  - The key cache: a row of a key-cached table is handed to the sink at most once; a lookup
//    value is looked up at most once per edge. Cycles therefore end.
//  - An edge into the root table never pulls in another account: it fails with walk_error.
//  - An account without a root row fails with walk_error before any row is handed over.
//  - Every read runs in one consistent snapshot (REPEATABLE READ, START TRANSACTION WITH
//    CONSISTENT SNAPSHOT) in time zone +00:00; values are exact text or bytes (table_layout).

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/mover/schema_model.hpp"
#include "gateway/mover/table_layout.hpp"
#include "gateway/mover/traversal_plan.hpp"

namespace sql {
class Connection;
}

namespace gangway::mover {

// The walk cannot go on: the message says what was found and what to do.
struct walk_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Called with each page of new rows of a table (never empty, at most its batch_rows), in
// visit order. The walker has already followed every relationship from them, so the sink
// may change them (cleansing).
using row_sink = std::function<void(const table_layout&, std::vector<table_row>&)>;

class row_walker {
public:
    // layouts: build_layouts(model, plan, catalog), without errors. All three must outlive
    // the walker.
    row_walker(const schema_model& model, const traversal_plan& plan,
               const std::map<std::string, table_layout, std::less<>>& layouts);

    // Finds the rows of `accounts` (values of root.key, as the server prints them: "42").
    // Blocking. Throws walk_error, or sql::SQLException when the server fails.
    void walk(sql::Connection& c, const std::vector<std::string>& accounts,
              const row_sink& sink) const;

private:
    const schema_model& model_;
    const traversal_plan& plan_;
    const std::map<std::string, table_layout, std::less<>>& layouts_;
};

}  // namespace gangway::mover
