// `gangway schema infer` and the catalog reader against the example app in a real MariaDB.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gateway/mover/schema_infer.hpp"
#include "tests/mover/mover_db_support.hpp"

namespace gangway::mover {
namespace {

using gangway::testing::test_database;
using strings = std::vector<std::string>;

TEST(SchemaCatalog, ReadsTablesColumnsIndexesAndForeignKeys) {
    test_database db;
    testing::create_example_app(db);
    const database_catalog c = testing::catalog_of(db);
    EXPECT_EQ(c.schema, db.config().name);
    EXPECT_EQ(c.tables.size(), 12u);
    const catalog_table& channels = *c.find("daily_stat_channels");
    EXPECT_EQ(channels.primary_key()->columns, (strings{"account_id", "day", "channel"}));
    EXPECT_EQ(channels.column("day")->data_type, "date");
    const catalog_table& users = *c.find("users");
    EXPECT_TRUE(users.column("api_token")->nullable);
    EXPECT_FALSE(users.column("email")->nullable);
    EXPECT_TRUE(is_unique_key(users, {"email"}));
    const auto fk = std::find_if(c.foreign_keys.begin(), c.foreign_keys.end(),
                                 [](const auto& k) { return k.name == "daily_stat_channels_day"; });
    ASSERT_NE(fk, c.foreign_keys.end());
    EXPECT_EQ(fk->child, (table_columns{"daily_stat_channels", {"account_id", "day"}}));
    EXPECT_EQ(fk->parent, (table_columns{"daily_stats", {"account_id", "day"}}));
    EXPECT_EQ(c.foreign_keys.size(), 13u);
}

TEST(SchemaInferDb, EveryForeignKeyBecomesARelationship) {
    test_database db;
    testing::create_example_app(db);
    const database_catalog c = testing::catalog_of(db);
    const infer_result r = infer_schema(c, "accounts");
    ASSERT_TRUE(r.value) << r.error;
    const schema_model& m = r.value->model;
    ASSERT_EQ(m.relationships.size(), c.foreign_keys.size());
    for (const auto& fk : c.foreign_keys) {
        const bool found =
            std::any_of(m.relationships.begin(), m.relationships.end(), [&](auto& x) {
                return (x.from == fk.parent && x.to == fk.child) ||
                       (x.from == fk.child && x.to == fk.parent);
            });
        EXPECT_TRUE(found) << fk.name;
    }
    EXPECT_TRUE(m.rules_for("countries").shared);
    ASSERT_EQ(m.excluded.size(), 2u);  // no foreign key reaches them
    EXPECT_EQ(m.excluded[0].name, "attachments");
    EXPECT_EQ(m.excluded[1].name, "django_session");
    EXPECT_EQ(m.excluded[1].reason, "not reachable from the root: review");
    EXPECT_TRUE(r.value->notes.empty());
}

TEST(SchemaInferDb, TheCommandWritesAModelThatChecksClean) {
    test_database db;
    testing::create_example_app(db);
    db.execute("CREATE TABLE gangway_placement (account_id BIGINT PRIMARY KEY)");  // left out
    testing::work_dir dir(db, "[login]\nusers_table = \"users\"\n");

    const auto infer =
        testing::run_gangway("schema infer --config " + dir.config() + " -o " + dir.path("m.toml"));
    ASSERT_EQ(infer.exit_code, 0) << infer.output;
    EXPECT_NE(infer.output.find("root accounts (the table users.account_id references ([login] "
                                "in the config)); 13 foreign keys became relationships; 1 shared "
                                "tables; 2 tables excluded"),
              std::string::npos)
        << infer.output;
    const std::string model = testing::read_text(dir.path("m.toml"));
    EXPECT_EQ(model.find("gangway_"), std::string::npos) << model;
    EXPECT_NE(model.find("attachments = \"not reachable from the root: review\""),
              std::string::npos)
        << model;

    const auto check = testing::run_gangway("schema check --config " + dir.config() + " --schema " +
                                            dir.path("m.toml"));
    EXPECT_EQ(check.exit_code, 0) << check.output;
    EXPECT_NE(check.output.find("schema OK"), std::string::npos) << check.output;
}

TEST(SchemaInferDb, PrintsToStdoutAndTakesTheRootGiven) {
    test_database db;
    testing::create_example_app(db);
    testing::work_dir dir(db);
    const auto infer =
        testing::run_gangway("schema infer --config " + dir.config() + " --root conversations");
    ASSERT_EQ(infer.exit_code, 0) << infer.output;
    EXPECT_NE(infer.output.find("[root]\ntable = \"conversations\"\nkey = \"id\"\n"),
              std::string::npos)
        << infer.output;
    EXPECT_NE(infer.output.find("(given with --root)"), std::string::npos) << infer.output;
}

TEST(SchemaInferDb, UsageErrorsAndRefusals) {
    test_database db;
    testing::create_example_app(db);
    testing::work_dir dir(db);

    auto o = testing::run_gangway("schema infer --config " + dir.config() + " --root nope");
    EXPECT_EQ(o.exit_code, 2) << o.output;
    EXPECT_NE(o.output.find("--root: no table nope in database " + db.config().name),
              std::string::npos)
        << o.output;

    o = testing::run_gangway("schema infer --config " + dir.config() + " --root daily_stats");
    EXPECT_EQ(o.exit_code, 2) << o.output;
    EXPECT_NE(o.output.find("needs a one-column primary key"), std::string::npos) << o.output;

    dir.write("existing.toml", "keep me");
    o = testing::run_gangway("schema infer --config " + dir.config() + " -o " +
                             dir.path("existing.toml"));
    EXPECT_EQ(o.exit_code, 1) << o.output;
    EXPECT_EQ(testing::read_text(dir.path("existing.toml")), "keep me");
    o = testing::run_gangway("schema infer --config " + dir.config() + " --force -o " +
                             dir.path("existing.toml"));
    EXPECT_EQ(o.exit_code, 0) << o.output;

    testing::work_dir no_database(db, "", /*with_database=*/false);
    o = testing::run_gangway("schema infer --config " + no_database.config());
    EXPECT_EQ(o.exit_code, 2) << o.output;
    EXPECT_NE(o.output.find("the config has no [database] section"), std::string::npos);
    EXPECT_EQ(testing::run_gangway("schema infer").exit_code, 2);
    EXPECT_EQ(testing::run_gangway("schema").exit_code, 2);
}

TEST(SchemaInferDb, AnUnreachableDatabaseExitsOne) {
    test_database db;
    testing::work_dir dir(db);
    db.execute("DROP DATABASE " + db.config().name);
    const auto o = testing::run_gangway("schema infer --config " + dir.config());
    EXPECT_EQ(o.exit_code, 1) << o.output;
    EXPECT_EQ(o.output.find(db.config().password), std::string::npos);
}

}  // namespace
}  // namespace gangway::mover
