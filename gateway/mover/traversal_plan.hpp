#pragma once

// The traversal plan: from a schema model alone, the directed steps the copier takes, the
// order it visits tables in, and how every cycle ends. Pure: no database, no I/O.
//
// How the copier uses it (the key cache contract):
//  - It starts with the root row (root.key = ACCOUNT) and visits tables in `order`. Visiting a
//    table copies the rows found for it so far, then follows its outgoing edges, which add
//    lookup values to the tables they lead to.
//  - Every table with key_cache keeps the key of each row it copied. A lookup by exactly that
//    key skips values already copied, and any other lookup drops rows already copied: a row
//    is never fetched twice by key and never copied twice.
//  - Outside cycles, every edge leads to a later table, so each table is visited once with
//    all its lookup values. Inside a cycle, a `closing_edges` step leads back to an earlier
//    table, which is visited again with only the new values; the key cache of `key_cached`
//    tables makes those rounds end. A cycle without one would run forever: plan_problems
//    reports it and the copier must refuse such a model.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/mover/schema_model.hpp"
#include "gateway/mover/schema_problem.hpp"

namespace gangway::mover {

// One directed step: for the copied rows of `from` that match from_match, fetch the rows of
// `to` whose to.columns equal their from.columns and that match to_match.
struct follow_edge {
    table_columns from;
    table_columns to;
    std::vector<column_value> from_match;
    std::vector<column_value> to_match;
    std::size_t lookup_batch = default_lookup_batch;
    std::size_t relationship = 0;  // index into schema_model::relationships
    bool reversed = false;         // the way back of a both_ways relationship

    // "messages.id -> attachments.owner_id where attachments.owner_type = 'message'"
    std::string text() const;
    bool operator==(const follow_edge&) const = default;
};

// The edges of a model in declaration order: a relationship gives one (two through a join
// table), and as many again the other way when both_ways.
std::vector<follow_edge> follow_edges(const schema_model& model);

struct plan_step {
    std::string table;
    std::size_t depth = 0;              // fewest edges from the root
    std::vector<std::size_t> incoming;  // edges (indexes into traversal_plan::edges) reaching it
    std::optional<std::size_t> cycle;   // index into traversal_plan::cycles when on one
};

struct plan_cycle {
    std::vector<std::string> tables;         // in visit order
    std::vector<std::string> key_cached;     // tables whose key cache ends it; empty: never ends
    std::vector<std::size_t> closing_edges;  // edges back to a table visited earlier (or itself)
    bool ends() const noexcept { return !key_cached.empty(); }
};

struct traversal_plan {
    std::vector<follow_edge> edges;
    // The root first; every table after all the tables that lead to it, except along the
    // closing edges of a cycle. Ties go to the table nearer the root, then to the one the
    // model mentions first, so the order is stable.
    std::vector<plan_step> order;
    std::vector<plan_cycle> cycles;
    std::vector<std::string> unreachable;  // named by the model, never reached from the root
    // Tables without a key cache whose rows the graph can reach more than once (several
    // incoming edges, a cycle, or a source reached more than once): their rows may be
    // fetched and inserted again.
    std::vector<std::string> repeated;

    const plan_step* find(std::string_view table) const;
};

traversal_plan plan_traversal(const schema_model& model);

// What makes a plan unusable: unreachable tables, cycles that never end, and repeated tables
// whose duplicates would fail. Each names the model key to change.
std::vector<schema_problem> plan_problems(const schema_model& model, const traversal_plan& plan);

// "conversations -> messages -> conversations: ends by the key cache of conversations,
// messages (closing: messages.id -> conversations.last_message_id)"
std::string describe_cycle(const traversal_plan& plan, const plan_cycle& cycle);

}  // namespace gangway::mover
