// Infer's rules and the index rule of check, on catalogs built by hand (the database tests run
// the same code on a real one).
#include "gateway/mover/schema_infer.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/mover/catalog.hpp"
#include "gateway/mover/schema_writer.hpp"

namespace gangway::mover {
namespace {

using strings = std::vector<std::string>;

// A catalog built table by table: every column NOT NULL bigint unless it ends in '?'
// (nullable); `pk` empty means no primary key.
class catalog_builder {
public:
    catalog_builder& table(const std::string& name, const strings& columns, const strings& pk,
                           std::vector<catalog_index> more = {}) {
        catalog_table& t = catalog_.tables[name];
        t.name = name;
        for (std::string c : columns) {
            const bool nullable = c.ends_with("?");
            if (nullable) c.pop_back();
            t.columns.push_back({c, "bigint", nullable});
        }
        if (!pk.empty()) t.indexes.push_back({"PRIMARY", true, pk});
        for (auto& i : more) t.indexes.push_back(std::move(i));
        return *this;
    }
    catalog_builder& fk(const std::string& name, const std::string& child, const strings& columns,
                        const std::string& parent, const strings& parent_columns) {
        catalog_.foreign_keys.push_back({name, {child, columns}, {parent, parent_columns}});
        return *this;
    }
    database_catalog done() {
        catalog_.schema = "app";
        return catalog_;
    }

private:
    database_catalog catalog_;
};

strings relationships_of(const schema_model& m) {
    strings out;
    for (const auto& r : m.relationships) {
        out.push_back(r.from.table + "." + r.from.columns[0] + " -> " + r.to.table + "." +
                      r.to.columns[0]);
    }
    return out;
}

database_catalog shop() {
    return catalog_builder{}
        .table("accounts", {"id", "parent_id?", "country_id", "owner_id?"}, {"id"})
        .table("users", {"id", "account_id"}, {"id"})
        .table("countries", {"id", "region_id"}, {"id"})
        .table("regions", {"id"}, {"id"})
        .table("holidays", {"id", "country_id"}, {"id"})
        .table("orders", {"id", "account_id", "user_id"}, {"id"})
        .table("order_tags", {"order_id", "tag"}, {}, {{"order_tag", true, {"order_id", "tag"}}})
        .table("audit_log", {"id", "message"}, {})
        .table("gangway_placement", {"account_id"}, {"account_id"})
        .fk("accounts_parent", "accounts", {"parent_id"}, "accounts", {"id"})
        .fk("accounts_country", "accounts", {"country_id"}, "countries", {"id"})
        .fk("accounts_owner", "accounts", {"owner_id"}, "users", {"id"})
        .fk("countries_region", "countries", {"region_id"}, "regions", {"id"})
        .fk("holidays_country", "holidays", {"country_id"}, "countries", {"id"})
        .fk("orders_account", "orders", {"account_id"}, "accounts", {"id"})
        .fk("orders_user", "orders", {"user_id"}, "users", {"id"})
        .fk("order_tags_order", "order_tags", {"order_id"}, "orders", {"id"})
        .fk("users_account", "users", {"account_id"}, "accounts", {"id"})
        .fk("placement_account", "gangway_placement", {"account_id"}, "accounts", {"id"})
        .done();
}

TEST(SchemaInfer, FollowsForeignKeysFromTheRoot) {
    const infer_result r = infer_schema(shop(), "accounts");
    ASSERT_TRUE(r.value) << r.error;
    const schema_model& m = r.value->model;
    EXPECT_EQ(m.root_table, "accounts");
    EXPECT_EQ(m.root_key, "id");
    // Owned tables are reached from the referenced side; the root's own references and
    // references to shared tables from the referencing side; the root's self-reference never.
    // In visit order: the root's first (to owned tables before shared ones), then the next.
    EXPECT_EQ(relationships_of(m),
              (strings{"accounts.id -> orders.account_id", "accounts.owner_id -> users.id",
                       "accounts.id -> users.account_id", "accounts.country_id -> countries.id",
                       "orders.id -> order_tags.order_id", "users.id -> orders.user_id",
                       "countries.region_id -> regions.id"}));
    EXPECT_EQ(r.value->foreign_keys, 7u);
    EXPECT_EQ(m.relationships[3].note,
              "foreign key accounts_country: accounts(country_id) references countries(id)");
    EXPECT_EQ(m.relationships[6].key_path, "relationships[6]");
    EXPECT_TRUE(m.rules_for("countries").shared);
    EXPECT_TRUE(m.rules_for("regions").shared);
    EXPECT_FALSE(m.rules_for("orders").shared);
    EXPECT_EQ(m.rules_for("order_tags").key, (strings{"order_id", "tag"}));  // unique, not null
    ASSERT_EQ(m.excluded.size(), 2u);  // gangway_placement is left out altogether
    EXPECT_EQ(m.excluded[0].name, "audit_log");
    EXPECT_EQ(m.excluded[1].name, "holidays");  // references shared rows only
    EXPECT_EQ(m.excluded[1].reason, "not reachable from the root: review");
    EXPECT_EQ(r.value->notes,
              (strings{"foreign key accounts_parent: accounts(parent_id) references accounts(id): "
                       "not followed, it links accounts to other accounts"}));
}

TEST(SchemaInfer, WritesAModelTheLoaderReads) {
    const infer_result r = infer_schema(shop(), "accounts");
    ASSERT_TRUE(r.value);
    const std::string text = write_schema_toml(r.value->model, {"header"}, r.value->notes);
    const schema_result loaded = parse_schema_model(text, "");
    ASSERT_TRUE(loaded.value) << loaded.errors[0].to_string() << "\n" << text;
    EXPECT_EQ(loaded.value->relationships.size(), 7u);
    EXPECT_NE(text.find("# foreign key orders_user: orders(user_id) references users(id)\n"
                        "[[relationships]]\nfrom = \"users.id\"\nto = \"orders.user_id\"\n"),
              std::string::npos)
        << text;
}

TEST(SchemaInfer, TheRootNeedsAOneColumnPrimaryKey) {
    const auto catalog = catalog_builder{}
                             .table("accounts", {"id", "region"}, {"id", "region"})
                             .table("logs", {"id"}, {})
                             .done();
    EXPECT_EQ(infer_schema(catalog, "accounts").error,
              "root table accounts needs a one-column primary key: the account id matches it");
    EXPECT_EQ(infer_schema(catalog, "nope").error, "no table nope in database app");
    EXPECT_EQ(infer_schema(shop(), "gangway_placement").error,
              "no table gangway_placement in database app");
}

TEST(SchemaInfer, NotesTablesWithoutAnyKey) {
    const auto catalog = catalog_builder{}
                             .table("accounts", {"id"}, {"id"})
                             .table("logs", {"account_id", "line?"}, {},
                                    {{"logs_line", true, {"line"}}})  // nullable: no stand-in
                             .fk("logs_account", "logs", {"account_id"}, "accounts", {"id"})
                             .done();
    const infer_result r = infer_schema(catalog, "accounts");
    ASSERT_TRUE(r.value);
    EXPECT_EQ(r.value->notes, (strings{"logs has no primary key and no unique NOT NULL key: "
                                       "declare tables.logs.key"}));
}

TEST(SchemaInfer, GuessesTheRootFromTheLoginTable) {
    login_config login;
    login.users_table = "users";
    auto guess = guess_root(shop(), login);
    ASSERT_TRUE(guess);
    EXPECT_EQ(guess->table, "accounts");
    EXPECT_EQ(guess->reason, "the table users.account_id references ([login] in the config)");

    const auto no_fk = catalog_builder{}.table("account", {"id"}, {"id"}).done();
    guess = guess_root(no_fk, login);
    ASSERT_TRUE(guess);
    EXPECT_EQ(guess->table, "account");
    EXPECT_EQ(guess->reason, "named after [login] account_id_column account_id");

    login.account_id_column = "customer";
    EXPECT_FALSE(guess_root(no_fk, login));
}

// check's index rule: a leftmost prefix of the index, in any order, with fixed (polymorphic
// type) columns allowed in between.
TEST(Catalog, IndexServesALookupByALeftmostPrefix) {
    const catalog_index owner{"owner", false, {"owner_type", "owner_id", "created_at"}};
    EXPECT_TRUE(index_serves(owner, {"owner_type"}));
    EXPECT_TRUE(index_serves(owner, {"owner_id", "owner_type"}));
    EXPECT_TRUE(index_serves(owner, {"owner_id"}, {"owner_type"}));
    EXPECT_FALSE(index_serves(owner, {"owner_id"}));
    EXPECT_FALSE(index_serves(owner, {"created_at"}, {"owner_type"}));
    EXPECT_FALSE(index_serves(owner, {}));
    const catalog_table t{"att", {}, {owner, {"PRIMARY", true, {"id"}}}};
    EXPECT_EQ(serving_index(t, {"id"})->name, "PRIMARY");
    EXPECT_TRUE(is_unique_key(t, {"id"}));
    EXPECT_FALSE(is_unique_key(t, {"owner_type", "owner_id", "created_at"}));
}

}  // namespace
}  // namespace gangway::mover
