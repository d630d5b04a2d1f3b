#pragma once

// Work on several tables at once, each on a connection of its own: the mover's parallel reads
// by sets (pre-flight keys, the copy, verify's sums) while the account is locked and nothing
// changes it, and the rehearsal's copy.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gateway/mover/row_checksum.hpp"
#include "gateway/mover/set_reader.hpp"

namespace sql {
class Connection;
}

namespace gangway {
class db_pool;
}

namespace gangway::mover {

class destination_writer;
class row_cleanser;

// fn(connection, task, again): `again` is true when the pool runs a task a second time after
// its connection was lost midway (what it did before may have taken effect).
using table_task = std::function<void(sql::Connection&, const std::string&, bool again)>;

// Runs fn for every task, `threads` at a time (at most one per task), in the order given as
// threads come free. After the first failure no new task starts; once the running ones end,
// throws std::runtime_error "<what> (<task>): <the failure>". `db` needs `threads`
// connections.
void for_each_table(db_pool& db, const std::vector<std::string>& tasks, unsigned threads,
                    const std::string& what, const table_task& fn);

// The closing edge (open_edge) that reaches further in that database, if any: when none does,
// the selection's sets are the walker's rows there. Throws std::runtime_error "<what>: ..."
// when the database fails, and for an edge into another account (walk_error's message).
std::optional<std::string> open_edge_at(db_pool& db, const set_selection& s,
                                        const std::string& root_table, const std::string& what);

// The tables in the order their reads should start: the most rows first (unknown: 0), ties
// in the order given.
std::vector<std::string> biggest_first(std::vector<std::string> tables,
                                       const std::map<std::string, std::uint64_t>& rows);

// Every table's rows read from `source` (`threads` reads at once) and handed to the writer
// page by page, cleansed first when `cleanser` is set. A table with a span in `spans` is read
// in key_parts, the parts of the biggest tables first. A read done again after a lost
// connection makes the writer ignore rows already there. `sums`, when set, gets the row_sums
// of each table that is not shared, over the rows as read (what sum_rows gives at the source).
void copy_sets(db_pool& source, const set_selection& s, const layout_map& layouts,
               const std::vector<std::string>& tables, unsigned threads,
               destination_writer& writer, const row_cleanser* cleanser,
               const std::map<std::string, key_span>& spans, std::map<std::string, row_sums>* sums = nullptr);

// Every table's table_sum at one site (shared tables by key alone), a table with a span in
// `spans` summed in key_parts side by side. With `whole_ranges` those parts are range-parts:
// every row in the part's key range, the set's or not, summed without asking each row's
// membership. Equal to the other site's sums, they show the range holds the set's rows and
// nothing else; otherwise sum the set's own rows to tell.
std::map<std::string, table_sum> sum_tables(db_pool& db, const set_selection& s, const layout_map& layouts,
                                            const std::vector<std::string>& tables, unsigned threads,
                                            const std::string& site,
                                            const std::map<std::string, key_span>& spans = {},
                                            bool whole_ranges = false);

// Every table's row count (and key span) at one site.
std::map<std::string, table_count> count_tables(db_pool& db, const set_selection& s, const layout_map& layouts,
                                                const std::vector<std::string>& tables, unsigned threads,
                                                const std::string& site);

}  // namespace gangway::mover
