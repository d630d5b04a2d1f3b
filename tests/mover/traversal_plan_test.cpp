// The traversal plan: visit order, cycles and how they end, unreachable and repeated tables.
#include "gateway/mover/traversal_plan.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/mover/mover_test_support.hpp"

namespace gangway::mover {
namespace {

using strings = std::vector<std::string>;

// The minimal model (root accounts.id) plus `toml`; a model that does not load is a bug in
// the test.
schema_model model_of(const std::string& toml) {
    const auto r = parse_schema_model(std::string(testing::minimal_model) + toml, "");
    if (!r.value)
        throw std::invalid_argument("test model does not load: " + r.errors[0].to_string());
    return *r.value;
}

std::string rel(const std::string& from, const std::string& to, const std::string& extra = "") {
    return "[[relationships]]\nfrom = \"" + from + "\"\nto = \"" + to + "\"\n" + extra;
}

struct plan_case {
    const char* name;
    std::string toml;
    strings order;
    strings cycles;  // describe_cycle of each
    strings unreachable;
    strings repeated;
    strings problems;
};

strings order_of(const traversal_plan& p) {
    strings out;
    for (const auto& s : p.order) out.push_back(s.table);
    return out;
}

strings cycles_of(const traversal_plan& p) {
    strings out;
    for (const auto& c : p.cycles) out.push_back(describe_cycle(p, c));
    return out;
}

strings problems_of(const schema_model& m, const traversal_plan& p) {
    strings out;
    for (const auto& problem : plan_problems(m, p)) out.push_back(problem.to_string());
    return out;
}

const std::string repeat_fix = ": keep the key cache or set duplicates = \"ignore\"";

const std::vector<plan_case>& plan_cases() {
    static const std::vector<plan_case> cases{
        {"tree",
         rel("accounts.id", "a.account_id") + rel("accounts.id", "b.account_id") +
             rel("a.id", "c.a_id"),
         {"accounts", "a", "b", "c"},
         {},
         {},
         {},
         {}},
        {"after_every_table_leading_to_it",
         rel("accounts.id", "x.account_id") + rel("accounts.id", "y.account_id") +
             rel("y.id", "x.y_id"),
         {"accounts", "y", "x"},
         {},
         {},
         {},
         {}},
        {"two_table_cycle",
         rel("accounts.id", "a.account_id") + rel("a.id", "b.a_id") + rel("b.id", "a.b_id"),
         {"accounts", "a", "b"},
         {"cycle through a, b: ends by the key cache of a, b; back along b.id -> a.b_id"},
         {},
         {},
         {}},
        {"cycle_without_key_cache",
         rel("accounts.id", "a.account_id") + rel("a.id", "b.a_id") + rel("b.id", "a.b_id") +
             "[tables.a]\nkey_cache = false\n[tables.b]\nkey_cache = false\n",
         {"accounts", "a", "b"},
         {"cycle through a, b: NEVER ENDS (no table on it keeps a key cache); back along b.id -> "
          "a.b_id"},
         {},
         {"a", "b"},
         {"relationships[2]: cycle through a, b: never ends: no table on it keeps a key cache; "
          "set key_cache = true on one of them",
          "tables.a: a: key_cache is false but its rows can come more than once (it is on a "
          "cycle)" +
              repeat_fix,
          "tables.b: b: key_cache is false but its rows can come more than once (it is on a "
          "cycle)" +
              repeat_fix}},
        {"one_key_cache_ends_a_cycle",
         rel("accounts.id", "a.account_id") + rel("a.id", "b.a_id") + rel("b.id", "a.b_id") +
             "[tables.a]\nkey_cache = false\nduplicates = \"ignore\"\n",
         {"accounts", "a", "b"},
         {"cycle through a, b: ends by the key cache of b; back along b.id -> a.b_id"},
         {},
         {"a"},
         {}},
        {"self_reference",
         rel("accounts.id", "m.account_id") + rel("m.id", "m.reply_to_id"),
         {"accounts", "m"},
         {"cycle through m: ends by the key cache of m; back along m.id -> m.reply_to_id"},
         {},
         {},
         {}},
        {"unreachable",
         rel("accounts.id", "a.account_id") + rel("x.id", "y.x_id") + "[tables.z]\nshared = true\n",
         {"accounts", "a"},
         {},
         {"x", "y", "z"},
         {},
         {"relationships[1]: x: not reachable from the root (accounts): add a relationship that "
          "reaches it or list it under [excluded]",
          "relationships[1]: y: not reachable from the root (accounts): add a relationship that "
          "reaches it or list it under [excluded]",
          "tables.z: z: not reachable from the root (accounts): add a relationship that reaches "
          "it or list it under [excluded]"}},
        {"through_a_join_table",
         rel("accounts.id", "c.account_id") + rel("c.id", "t.id") +
             "through = { from = \"ct.c_id\", to = \"ct.t_id\" }\n",
         {"accounts", "c", "ct", "t"},
         {},
         {},
         {},
         {}},
        {"both_ways_makes_a_cycle",
         rel("accounts.id", "a.account_id", "both_ways = true\n"),
         {"accounts", "a"},
         {"cycle through accounts, a: ends by the key cache of accounts, a; back along "
          "a.account_id -> accounts.id"},
         {},
         {},
         {}},
        {"two_paths_without_key_cache",
         rel("accounts.id", "u.account_id") + rel("accounts.id", "e.account_id") +
             rel("u.id", "e.user_id") + "[tables.e]\nkey_cache = false\n",
         {"accounts", "u", "e"},
         {},
         {},
         {"e"},
         {"tables.e: e: key_cache is false but its rows can come more than once (several "
          "relationships reach it)" +
          repeat_fix}},
        {"two_paths_ignoring_duplicates",
         rel("accounts.id", "u.account_id") + rel("accounts.id", "e.account_id") +
             rel("u.id", "e.user_id") + "[tables.e]\nkey_cache = false\nduplicates = \"ignore\"\n",
         {"accounts", "u", "e"},
         {},
         {},
         {"e"},
         {}},
        {"repeats_carry_on",
         rel("accounts.id", "u.account_id") + rel("accounts.id", "e.account_id") +
             rel("u.id", "e.user_id") + rel("e.id", "f.e_id") +
             "[tables.e]\nkey_cache = false\nduplicates = \"ignore\"\n"
             "[tables.f]\nkey_cache = false\n",
         {"accounts", "u", "e", "f"},
         {},
         {},
         {"e", "f"},
         {"tables.f: f: key_cache is false but its rows can come more than once (it is reached "
          "from e, whose rows can come more than once)" +
          repeat_fix}},
        {"one_path_without_key_cache",
         rel("accounts.id", "e.account_id") + "[tables.e]\nkey_cache = false\n",
         {"accounts", "e"},
         {},
         {},
         {},
         {}},
        {"polymorphic",
         rel("accounts.id", "m.account_id") +
             rel("m.id", "att.owner_id", "to_match = { owner_type = \"message\" }\n") +
             rel("accounts.id", "c.account_id") +
             rel("c.id", "att.owner_id", "to_match = { owner_type = \"conversation\" }\n"),
         {"accounts", "m", "c", "att"},
         {},
         {},
         {},
         {}},
    };
    return cases;
}

// Test names and failure messages show the case's name, not its bytes.
void PrintTo(const plan_case& c, std::ostream* os) { *os << c.name; }

class TraversalPlan : public ::testing::TestWithParam<plan_case> {};

TEST_P(TraversalPlan, OrdersTablesAndEndsCycles) {
    const auto& c = GetParam();
    const schema_model m = model_of(c.toml);
    const traversal_plan p = plan_traversal(m);
    EXPECT_EQ(order_of(p), c.order);
    EXPECT_EQ(cycles_of(p), c.cycles);
    EXPECT_EQ(p.unreachable, c.unreachable);
    EXPECT_EQ(p.repeated, c.repeated);
    EXPECT_EQ(problems_of(m, p), c.problems);
}

INSTANTIATE_TEST_SUITE_P(Cases, TraversalPlan, ::testing::ValuesIn(plan_cases()),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// Every edge's source comes before its target in the order, except a cycle's closing edges.
TEST(TraversalPlan, EveryTableComesAfterTheTablesLeadingToIt) {
    for (const auto& c : plan_cases()) {
        const traversal_plan p = plan_traversal(model_of(c.toml));
        strings closing;
        for (const auto& cycle : p.cycles) {
            for (std::size_t e : cycle.closing_edges) closing.push_back(p.edges[e].text());
        }
        const strings order = order_of(p);
        for (const auto& step : p.order) {
            for (std::size_t e : step.incoming) {
                const auto from = std::find(order.begin(), order.end(), p.edges[e].from.table);
                const auto to = std::find(order.begin(), order.end(), step.table);
                if (std::find(closing.begin(), closing.end(), p.edges[e].text()) != closing.end()) {
                    continue;
                }
                EXPECT_LT(from, to) << c.name << ": " << p.edges[e].text();
            }
        }
    }
}

TEST(TraversalPlan, EdgesOfJoinTablesBothWaysAndMatches) {
    const schema_model m =
        model_of(rel("c.id", "t.id",
                     "through = { from = \"ct.c_id\", to = \"ct.t_id\" }\nboth_ways = true\n"
                     "from_match = { kind = \"it's\" }\nlookup_batch = 7\n") +
                 rel("m.id", "att.owner_id", "to_match = { owner_type = 3 }\nboth_ways = true\n") +
                 "[[relationships]]\nfrom = [\"d.a\", \"d.b\"]\nto = [\"e.a\", \"e.b\"]\n");
    strings texts;
    for (const auto& e : follow_edges(m)) texts.push_back(e.text());
    EXPECT_EQ(texts, (strings{"c.id -> ct.c_id when c.kind = 'it''s'", "ct.t_id -> t.id",
                              "t.id -> ct.t_id", "ct.c_id -> c.id where c.kind = 'it''s'",
                              "m.id -> att.owner_id where att.owner_type = 3",
                              "att.owner_id -> m.id when att.owner_type = 3",
                              "(d.a, d.b) -> (e.a, e.b)"}));
    const auto edges = follow_edges(m);
    EXPECT_EQ(edges[0].lookup_batch, 7u);
    EXPECT_EQ(edges[4].lookup_batch, default_lookup_batch);
    EXPECT_TRUE(edges[2].reversed);
    EXPECT_EQ(edges[3].relationship, 0u);
    EXPECT_EQ(edges[5].relationship, 1u);
}

TEST(TraversalPlan, TheExampleModel) {
    const auto loaded = load_schema_model(testing::example_model_path());
    ASSERT_TRUE(loaded.value);
    const traversal_plan p = plan_traversal(*loaded.value);
    EXPECT_EQ(order_of(p), (strings{"accounts", "countries", "users", "conversations", "messages",
                                    "daily_stats", "events", "conversation_tags", "tags",
                                    "attachments", "daily_stat_channels"}));
    EXPECT_EQ(cycles_of(p),
              strings{"cycle through conversations, messages: ends by the key cache of "
                      "conversations, messages; back along messages.id -> "
                      "conversations.last_message_id"});
    EXPECT_TRUE(p.unreachable.empty());
    EXPECT_TRUE(p.repeated.empty());
    EXPECT_TRUE(plan_problems(*loaded.value, p).empty());
    EXPECT_EQ(p.find("messages")->depth, 2u);
    EXPECT_EQ(p.find("tags")->incoming.size(), 2u);  // from accounts and from the join table
}

}  // namespace
}  // namespace gangway::mover
