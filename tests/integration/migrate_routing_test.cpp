// After `gangway migrate`, the gateways route the moved account's users to the destination
// (issue 5, acceptance 1): two sites (two MariaDB servers, two TLS gateways, two upstream
// apps) holding the example app (tests/mover/example_app.sql, model conf/schema.example.toml
// plus the login table), a user signed in at legacy, the account moved while the session
// lives; the next page takes the user to new, still signed in, served by new's app.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <tuple>

#include "tests/integration/support/two_sites.hpp"
#include "tests/mover/dump_test_support.hpp"

namespace gangway::integration {
namespace {

using namespace std::chrono_literals;

std::string location_of(const http_response& r) { return r.header("Location").value_or(""); }

class MigrateRoutingTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (const char* site : {"legacy", "new"}) mover::testing::create_example_app(sites_.site(site));
        mover::testing::seed_example_accounts(sites_.site("legacy"));
        sites_.site("new").execute("INSERT INTO countries VALUES ('DE', 'Germany')");
        // The app's login table (auth_user): ann of account 1, dan of account 2.
        sites_.add_user("legacy", {10, "ann@acme.test", "ann-password", 1});
        sites_.add_user("legacy", {20, "dan@bolt.test", "dan-password", 2});
        for (std::uint64_t account : {1, 2}) sites_.site("legacy").place(account, "active", "legacy");
        sites_.start();
    }

    void TearDown() override {
        if (!HasFailure()) return;
        for (const char* site : {"legacy", "new"})
            std::cerr << "---- " << site << " gateway stderr:\n" << sites_.gateway(site).stderr_text();
    }

    // The legacy gateway's own config plus new's database, and the example model plus the
    // login table: what an operator runs `gangway migrate` with.
    command_result migrate(const std::string& account) {
        const auto dir = sites_.site("legacy").dir();
        const database_config& db = sites_.site("new").database();
        std::ofstream(dir / "new-db.password") << db.password;
        std::ifstream gateway_config(sites_.gateway("legacy").config_path());
        std::ofstream config(dir / "mover.toml");
        config << gateway_config.rdbuf() << "\n[sites.new.database]\nhost = \"127.0.0.1\"\nport = "
               << db.port << "\nuser = \"" << db.user << "\"\npassword_file = \"" << (dir / "new-db.password").string()
               << "\"\nname = \"" << db.name << "\"\n";
        config.close();
        std::ifstream example(mover::testing::example_model_path());
        std::ofstream model(dir / "model.toml");
        model << example.rdbuf()
              << "\n[[relationships]]\nfrom = \"accounts.id\"\nto = \"auth_user.account_id\"\n";
        model.close();
        return run_gangway({"migrate", "--config", (dir / "mover.toml").string(), "--schema",
                            (dir / "model.toml").string(), "--to", "new", account},
                           60s);
    }

    // GETs `target` on `site` and follows every redirect; returns the last answer and where
    // it came from.
    std::pair<http_response, std::string> visit(browser& b, std::string site, const std::string& target) {
        http_response r = b.get(site, target);
        for (int hops = 0; hops < 8 && r.status >= 300 && r.status < 400; ++hops) {
            const std::string next = location_of(r);
            if (const std::string other = sites_.site_of(next); !other.empty()) site = other;
            r = b.follow(site, next);
        }
        return {r, site};
    }

    two_sites sites_;
};

TEST_F(MigrateRoutingTest, TheMovedAccountsUsersAreRoutedToTheDestination) {
    browser ann(sites_);
    browser dan(sites_, "127.0.0.1", "dan-browser/1.0");
    ASSERT_EQ(ann.log_in("legacy", "ann@acme.test", "ann-password", "/headers").status, 303u);
    ASSERT_EQ(dan.log_in("legacy", "dan@bolt.test", "dan-password", "/headers").status, 303u);
    auto [before, before_site] = visit(ann, "legacy", "/headers?inbox=1");
    ASSERT_EQ(before.status, 200u) << before.body;
    EXPECT_EQ(before.header("X-Upstream"), "legacy-app");

    const command_result moved = migrate("1");
    ASSERT_EQ(moved.exit_code, 0) << moved.out << moved.err;
    EXPECT_NE(moved.out.find("moved from legacy to new"), std::string::npos) << moved.out;
    EXPECT_EQ(sites_.site("legacy").placement_of(1)->state, "moved");
    EXPECT_EQ(sites_.site("new").placement_of(1)->state, "active");
    EXPECT_EQ(sites_.site("new").count("SELECT COUNT(*) FROM messages"), 30u);
    EXPECT_EQ(sites_.site("new").count("SELECT COUNT(*) FROM auth_user WHERE account_id = 1"), 1u);

    // Ann's next page, at the shared origin, takes her to new: signed in, served by new's app.
    const std::size_t legacy_requests = sites_.app("legacy").requests_received();
    // (Once both gateways have seen the flip: until then legacy's may still show the lock, and
    // new's may not know the account yet.)
    http_response after;
    std::string after_site;
    ASSERT_TRUE(wait_until(5s, [&] {
        std::tie(after, after_site) = visit(ann, "legacy", "/headers?inbox=2");
        return after.status == 200u && after_site == "new";
    })) << after.status << " from " << after_site << ": " << after.body;
    ASSERT_EQ(after.status, 200u) << after.body;
    EXPECT_EQ(after_site, "new");
    EXPECT_EQ(after.header("X-Upstream"), "new-app");
    EXPECT_NE(after.body.find("GET /headers?inbox=2 "), std::string::npos) << after.body;
    EXPECT_NE(after.body.find("X-Gangway-Account-Id: 1\r\n"), std::string::npos) << after.body;
    EXPECT_NE(after.body.find("X-Gangway-Email: ann@acme.test\r\n"), std::string::npos) << after.body;
    EXPECT_EQ(sites_.app("legacy").requests_received(), legacy_requests) << "legacy's app saw account 1 again";

    // A new sign-in at the shared origin is handed over to new as well.
    browser again(sites_, "127.0.0.1", "ann-second-browser/1.0");
    const auto signed_in = again.log_in("legacy", "ann@acme.test", "ann-password", "/headers");
    ASSERT_EQ(signed_in.status, 303u) << signed_in.body;
    EXPECT_EQ(location_of(signed_in).rfind(sites_.origin("new") + "/_gangway/handoff?token=", 0), 0u);

    // Dan's account did not move: still legacy's.
    auto [other, other_site] = visit(dan, "legacy", "/headers");
    ASSERT_EQ(other.status, 200u);
    EXPECT_EQ(other_site, "legacy");
    EXPECT_EQ(other.header("X-Upstream"), "legacy-app");
}

}  // namespace
}  // namespace gangway::integration
