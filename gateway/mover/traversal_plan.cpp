#include "gateway/mover/traversal_plan.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <queue>
#include <set>
#include <tuple>

namespace gangway::mover {
namespace {

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

std::string literal_text(const column_literal& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    std::string out = "'";
    for (char c : std::get<std::string>(v)) {
        out += c;
        if (c == '\'') out += '\'';
    }
    return out + "'";
}

std::string columns_text(const table_columns& side) {
    std::string out;
    for (const auto& c : side.columns) out += (out.empty() ? "" : ", ") + side.table + "." + c;
    return side.columns.size() == 1 ? out : "(" + out + ")";
}

std::string match_text(const std::string& table, const std::vector<column_value>& match) {
    std::string out;
    for (const auto& m : match) {
        out +=
            (out.empty() ? "" : " and ") + table + "." + m.column + " = " + literal_text(m.value);
    }
    return out;
}

std::string join_list(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

// The tables a model names, root first, then in the order relationships and [tables] name
// them, with the edges leaving each.
struct table_graph {
    std::vector<std::string> names;
    std::map<std::string, std::size_t, std::less<>> ids;
    std::vector<std::vector<std::size_t>> out;  // edge indexes leaving each table

    std::size_t add(const std::string& name) {
        const auto [it, inserted] = ids.emplace(name, names.size());
        if (inserted) {
            names.push_back(name);
            out.emplace_back();
        }
        return it->second;
    }
};

table_graph graph_of(const schema_model& m, const std::vector<follow_edge>& edges) {
    table_graph g;
    g.add(m.root_table);
    for (std::size_t e = 0; e < edges.size(); ++e) {
        g.out[g.add(edges[e].from.table)].push_back(e);
        g.add(edges[e].to.table);
    }
    for (const auto& [name, rules] : m.tables) g.add(name);
    return g;
}

// Breadth-first from the root: depth and discovery rank of every reachable table.
struct reach {
    std::vector<std::size_t> depth;
    std::vector<std::size_t> rank;  // discovery order; none when unreachable
};

reach reach_from_root(const table_graph& g, const std::vector<follow_edge>& edges) {
    reach r{std::vector<std::size_t>(g.names.size(), none),
            std::vector<std::size_t>(g.names.size(), none)};
    std::queue<std::size_t> queue;
    std::size_t next_rank = 0;
    r.depth[0] = 0;
    r.rank[0] = next_rank++;
    queue.push(0);
    while (!queue.empty()) {
        const std::size_t t = queue.front();
        queue.pop();
        for (std::size_t e : g.out[t]) {
            const std::size_t to = g.ids.find(edges[e].to.table)->second;
            if (r.rank[to] != none) continue;
            r.depth[to] = r.depth[t] + 1;
            r.rank[to] = next_rank++;
            queue.push(to);
        }
    }
    return r;
}

// Strongly connected components of the reachable tables (Tarjan): a component of several
// tables, or one table with an edge to itself, is a cycle.
class components {
public:
    components(const table_graph& g, const std::vector<follow_edge>& edges, const reach& r)
        : g_(g),
          edges_(edges),
          index_(g.names.size(), none),
          low_(g.names.size(), 0),
          on_stack_(g.names.size(), false),
          of_(g.names.size(), none) {
        for (std::size_t t = 0; t < g.names.size(); ++t) {
            if (r.rank[t] != none && index_[t] == none) visit(t);
        }
    }
    std::size_t of(std::size_t table) const { return of_[table]; }
    std::size_t count() const { return count_; }

private:
    std::size_t target(std::size_t e) const { return g_.ids.find(edges_[e].to.table)->second; }

    void visit(std::size_t t) {
        index_[t] = low_[t] = next_index_++;
        stack_.push_back(t);
        on_stack_[t] = true;
        for (std::size_t e : g_.out[t]) {
            const std::size_t to = target(e);
            if (index_[to] == none) {
                visit(to);
                low_[t] = std::min(low_[t], low_[to]);
            } else if (on_stack_[to]) {
                low_[t] = std::min(low_[t], index_[to]);
            }
        }
        if (low_[t] != index_[t]) return;
        std::size_t member = none;
        do {
            member = stack_.back();
            stack_.pop_back();
            on_stack_[member] = false;
            of_[member] = count_;
        } while (member != t);
        ++count_;
    }

    const table_graph& g_;
    const std::vector<follow_edge>& edges_;
    std::vector<std::size_t> index_, low_;
    std::vector<bool> on_stack_;
    std::vector<std::size_t> of_;
    std::vector<std::size_t> stack_;
    std::size_t next_index_ = 0;
    std::size_t count_ = 0;
};

// Reachable tables ordered component by component (Kahn's algorithm on the component graph),
// the ready component nearest the root first; inside a component, nearest first.
std::vector<std::size_t> visit_order(const table_graph& g, const std::vector<follow_edge>& edges,
                                     const reach& r, const components& c) {
    using rank_key = std::tuple<std::size_t, std::size_t>;  // (depth, discovery rank)
    std::vector<std::vector<std::size_t>> members(c.count());
    std::vector<rank_key> key(c.count(), {none, none});
    for (std::size_t t = 0; t < g.names.size(); ++t) {
        if (r.rank[t] == none) continue;
        members[c.of(t)].push_back(t);
        key[c.of(t)] = std::min(key[c.of(t)], rank_key{r.depth[t], r.rank[t]});
    }
    std::vector<std::size_t> indegree(c.count(), 0);
    std::vector<std::vector<std::size_t>> next(c.count());
    for (const auto& edge : edges) {
        const std::size_t from = g.ids.find(edge.from.table)->second;
        const std::size_t to = g.ids.find(edge.to.table)->second;
        if (r.rank[from] == none || c.of(from) == c.of(to)) continue;
        next[c.of(from)].push_back(c.of(to));
        ++indegree[c.of(to)];
    }
    std::set<std::tuple<std::size_t, std::size_t, std::size_t>> ready;
    for (std::size_t k = 0; k < c.count(); ++k) {
        if (indegree[k] == 0) ready.insert({std::get<0>(key[k]), std::get<1>(key[k]), k});
    }
    std::vector<std::size_t> order;
    while (!ready.empty()) {
        const std::size_t k = std::get<2>(*ready.begin());
        ready.erase(ready.begin());
        std::sort(members[k].begin(), members[k].end(), [&](std::size_t a, std::size_t b) {
            return rank_key{r.depth[a], r.rank[a]} < rank_key{r.depth[b], r.rank[b]};
        });
        order.insert(order.end(), members[k].begin(), members[k].end());
        for (std::size_t n : next[k]) {
            if (--indegree[n] == 0) ready.insert({std::get<0>(key[n]), std::get<1>(key[n]), n});
        }
    }
    return order;
}

bool is_cycle(const table_graph& g, const std::vector<follow_edge>& edges,
              const std::vector<std::size_t>& members) {
    if (members.size() > 1) return true;
    const std::size_t t = members.front();
    return std::any_of(g.out[t].begin(), g.out[t].end(),
                       [&](std::size_t e) { return edges[e].to.table == g.names[t]; });
}

void fill_cycles(const schema_model& m, const table_graph& g, const components& c,
                 traversal_plan& plan) {
    std::map<std::size_t, std::size_t> cycle_of_component;
    std::map<std::string, std::size_t, std::less<>> position;
    for (std::size_t i = 0; i < plan.order.size(); ++i) position[plan.order[i].table] = i;
    std::vector<std::vector<std::size_t>> members(c.count());
    for (const auto& step : plan.order) {
        const std::size_t t = g.ids.find(step.table)->second;
        members[c.of(t)].push_back(t);
    }
    for (auto& step : plan.order) {
        const std::size_t k = c.of(g.ids.find(step.table)->second);
        if (!is_cycle(g, plan.edges, members[k])) continue;
        auto [it, inserted] = cycle_of_component.emplace(k, plan.cycles.size());
        if (inserted) plan.cycles.emplace_back();
        plan_cycle& cycle = plan.cycles[it->second];
        step.cycle = it->second;
        cycle.tables.push_back(step.table);
        if (m.rules_for(step.table).key_cache) cycle.key_cached.push_back(step.table);
    }
    for (std::size_t e = 0; e < plan.edges.size(); ++e) {
        const auto from = position.find(plan.edges[e].from.table);
        const auto to = position.find(plan.edges[e].to.table);
        if (from == position.end() || to->second > from->second) continue;
        plan.cycles[*plan.order[to->second].cycle].closing_edges.push_back(e);
    }
}

// A table without a key cache copies its rows once only if exactly one edge reaches it, from
// a table whose rows come once, and no cycle brings it back.
void fill_repeated(const schema_model& m, traversal_plan& plan) {
    std::map<std::string, bool, std::less<>> once;
    for (const auto& step : plan.order) {
        const bool is_root = step.table == m.root_table;
        bool comes_once = m.rules_for(step.table).key_cache;
        if (!comes_once && !step.cycle) {
            const std::size_t arrivals = step.incoming.size() + (is_root ? 1 : 0);
            comes_once =
                arrivals == 1 && (is_root || once[plan.edges[step.incoming.front()].from.table]);
        }
        once[step.table] = comes_once;
        if (!comes_once) plan.repeated.push_back(step.table);
    }
}

// Where the model names a table: its [tables] entry, else the first relationship naming it.
std::string key_path_of(const schema_model& m, const std::string& table) {
    if (const auto it = m.tables.find(table); it != m.tables.end()) return it->second.key_path;
    for (const auto& r : m.relationships) {
        if (r.from.table == table || r.to.table == table ||
            (r.through && r.through->table == table)) {
            return r.key_path;
        }
    }
    return {};
}

std::string repeat_reason(const traversal_plan& plan, const plan_step& step) {
    if (step.cycle) return "it is on a cycle";
    if (step.incoming.size() != 1) return "several relationships reach it";
    return "it is reached from " + plan.edges[step.incoming.front()].from.table +
           ", whose rows can come more than once";
}

}  // namespace

std::string follow_edge::text() const {
    std::string out = columns_text(from) + " -> " + columns_text(to);
    if (!from_match.empty()) out += " when " + match_text(from.table, from_match);
    if (!to_match.empty()) out += " where " + match_text(to.table, to_match);
    return out;
}

std::vector<follow_edge> follow_edges(const schema_model& m) {
    std::vector<follow_edge> out;
    for (std::size_t i = 0; i < m.relationships.size(); ++i) {
        const relationship& r = m.relationships[i];
        const std::size_t batch = r.lookup_batch.value_or(m.lookup_batch);
        const auto add = [&](table_columns from, table_columns to, std::vector<column_value> fm,
                             std::vector<column_value> tm, bool reversed) {
            out.push_back(
                {std::move(from), std::move(to), std::move(fm), std::move(tm), batch, i, reversed});
        };
        if (!r.through) {
            add(r.from, r.to, r.from_match, r.to_match, false);
            if (r.both_ways) add(r.to, r.from, r.to_match, r.from_match, true);
            continue;
        }
        const table_columns join_from{r.through->table, r.through->from_columns};
        const table_columns join_to{r.through->table, r.through->to_columns};
        add(r.from, join_from, r.from_match, {}, false);
        add(join_to, r.to, {}, r.to_match, false);
        if (r.both_ways) {
            add(r.to, join_to, r.to_match, {}, true);
            add(join_from, r.from, {}, r.from_match, true);
        }
    }
    return out;
}

const plan_step* traversal_plan::find(std::string_view table) const {
    const auto it = std::find_if(order.begin(), order.end(),
                                 [&](const plan_step& s) { return s.table == table; });
    return it == order.end() ? nullptr : &*it;
}

traversal_plan plan_traversal(const schema_model& m) {
    traversal_plan plan;
    plan.edges = follow_edges(m);
    const table_graph g = graph_of(m, plan.edges);
    const reach r = reach_from_root(g, plan.edges);
    const components c(g, plan.edges, r);
    for (std::size_t t : visit_order(g, plan.edges, r, c)) {
        plan.order.push_back({g.names[t], r.depth[t], {}, std::nullopt});
    }
    for (std::size_t e = 0; e < plan.edges.size(); ++e) {
        if (r.rank[g.ids.find(plan.edges[e].from.table)->second] == none) continue;
        const auto step = std::find_if(plan.order.begin(), plan.order.end(), [&](const auto& s) {
            return s.table == plan.edges[e].to.table;
        });
        step->incoming.push_back(e);
    }
    fill_cycles(m, g, c, plan);
    fill_repeated(m, plan);
    for (std::size_t t = 0; t < g.names.size(); ++t) {
        if (r.rank[t] == none) plan.unreachable.push_back(g.names[t]);
    }
    return plan;
}

std::vector<schema_problem> plan_problems(const schema_model& m, const traversal_plan& plan) {
    std::vector<schema_problem> out;
    for (const auto& table : plan.unreachable) {
        out.push_back({key_path_of(m, table), table,
                       "not reachable from the root (" + m.root_table +
                           "): add a relationship that reaches it or list it under [excluded]"});
    }
    for (const auto& cycle : plan.cycles) {
        if (cycle.ends()) continue;
        const follow_edge& closing = plan.edges[cycle.closing_edges.front()];
        out.push_back({m.relationships[closing.relationship].key_path,
                       "cycle through " + join_list(cycle.tables),
                       "never ends: no table on it keeps a key cache; set key_cache = true on "
                       "one of them"});
    }
    for (const auto& table : plan.repeated) {
        if (m.rules_for(table).duplicates == duplicate_policy::ignore) continue;
        out.push_back({key_path_of(m, table), table,
                       "key_cache is false but its rows can come more than once (" +
                           repeat_reason(plan, *plan.find(table)) +
                           "): keep the key cache or set duplicates = \"ignore\""});
    }
    return out;
}

std::string describe_cycle(const traversal_plan& plan, const plan_cycle& cycle) {
    std::string out = "cycle through " + join_list(cycle.tables) + ": ";
    out += cycle.ends() ? "ends by the key cache of " + join_list(cycle.key_cached)
                        : "NEVER ENDS (no table on it keeps a key cache)";
    std::vector<std::string> closing;
    for (std::size_t e : cycle.closing_edges) closing.push_back(plan.edges[e].text());
    return out + "; back along " + join_list(closing);
}

}  // namespace gangway::mover
