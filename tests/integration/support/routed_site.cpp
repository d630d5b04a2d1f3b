#include "tests/integration/support/routed_site.hpp"

#include <openssl/rand.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

#include <cppconn/connection.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include "common/crypto/base64url.hpp"
#include "common/crypto/key_ring.hpp"
#include "common/db/db_pool.hpp"
#include "common/db/placement_store.hpp"
#include "common/db/schema_migrations.hpp"
#include "common/session/session.hpp"

namespace gangway::integration {
namespace {

std::string key_line(const std::string& id) {
    std::string key(32, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 32);
    return id + " " + base64_encode(key) + "\n";
}

void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string toml_quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

struct routed_site::impl {
    std::unique_ptr<testing::test_database> owned;  // null for a caller's database
    database_config db;
    std::unique_ptr<db_pool> pool;
    system_clock_source clock;
};

routed_site::routed_site(const std::string& server) : routed_site(database_config{}) {
    impl_->owned = std::make_unique<testing::test_database>(server);
    impl_->db = impl_->owned->config();
    impl_->pool = std::make_unique<db_pool>(impl_->db);
    auto init = impl_->pool->run_blocking([](sql::Connection& c) { return upgrade_schema(c); });
    if (!init) throw std::runtime_error("db init: " + init.message);
}

routed_site::routed_site(const database_config& own_database) : impl_(std::make_unique<impl>()) {
    session_keys_ = dir() / "session.keys";
    assertion_keys_ = dir() / "assertion.keys";
    other_keys_ = dir() / "other.keys";
    write(session_keys_, key_line("s1"));
    write(assertion_keys_, key_line("a1"));
    write(other_keys_, key_line("s1"));  // same id, different key: a forged cookie
    write(dir() / "db.password", own_database.password);
    if (own_database.name.empty()) return;  // the delegating constructor fills the database in
    impl_->db = own_database;
    impl_->pool = std::make_unique<db_pool>(impl_->db);
    auto init = impl_->pool->run_blocking([](sql::Connection& c) { return upgrade_schema(c); });
    if (!init) throw std::runtime_error("db init: " + init.message);
}

routed_site::~routed_site() = default;

const database_config& routed_site::database() const { return impl_->db; }

gateway_settings routed_site::settings(std::vector<std::uint16_t> upstream_ports) const {
    gateway_settings s = settings_for(std::move(upstream_ports));
    write(dir() / "db.password", impl_->db.password);
    s.extra["site"] = {"name = \"legacy\""};
    s.extra["sites.legacy"] = {"origin = " + toml_quoted(std::string(legacy_origin))};
    s.extra["sites.aws"] = {"origin = " + toml_quoted(std::string(aws_origin))};
    s.extra["database"] = {"host = \"127.0.0.1\"", "port = " + std::to_string(impl_->db.port),
                           "user = " + toml_quoted(impl_->db.user),
                           "password_file = " + toml_quoted((dir() / "db.password").string()),
                           "name = " + toml_quoted(impl_->db.name), "pool_size = 2",
                           "connect_timeout_ms = 1000", "query_timeout_ms = 2000"};
    s.extra["session"] = {"keys_file = " + toml_quoted(session_keys_.string()),
                          "assertion_keys_file = " + toml_quoted(assertion_keys_.string())};
    s.extra["placement"] = {"refresh_interval_ms = 20", "heartbeat_interval_ms = 20",
                            "stale_serve_ms = 3000", "instance_ttl_ms = 5000",
                            "fence_timeout_ms = 10000", "lock_retry_after_s = 1"};
    return s;
}

std::string routed_site::cookie(std::uint64_t user_id, std::uint64_t account_id,
                                const std::string& email, std::chrono::seconds ttl,
                                const std::string& site, bool other_keys) const {
    auto keys = load_key_ring((other_keys ? other_keys_ : session_keys_).string());
    if (!keys.ring) throw std::runtime_error("test keys do not load");
    session_codec codec(keys.ring, impl_->clock, site);
    return codec.seal(codec.mint(user_id, account_id, email, 1, ttl));
}

std::string routed_site::cookie_field(const std::string& value) {
    return "Cookie: __Host-gangway=" + value + "\r\n";
}

std::string routed_site::session_id_of(const std::string& cookie_value) const {
    auto keys = load_key_ring(session_keys_.string());
    session_codec codec(keys.ring, impl_->clock, "legacy");
    auto s = codec.open(cookie_value);
    if (!s) throw std::runtime_error("cookie does not open");
    return s->session_id;
}

void routed_site::rotate_session_keys() {
    write(session_keys_, key_line("s2") + read(session_keys_));
}

command_result routed_site::accounts(const gateway_process& gw, std::vector<std::string> args,
                                     std::chrono::milliseconds within) const {
    std::vector<std::string> all{"accounts", args.at(0), "--config", gw.config_path().string()};
    all.insert(all.end(), args.begin() + 1, args.end());
    return run_gangway(all, within);
}

std::optional<routed_site::placement> routed_site::placement_of(std::uint64_t account_id) const {
    auto row = impl_->pool->run_blocking([&](sql::Connection& c) { return get_placement(c, account_id); });
    if (!row) throw std::runtime_error(row.message);
    if (!*row.value) return std::nullopt;
    const auto& p = **row.value;
    return placement{std::string(to_string(p.state)), p.site, p.version};
}

std::size_t routed_site::audit_rows(std::uint64_t account_id) const {
    auto rows = impl_->pool->run_blocking([&](sql::Connection& c) {
        return list_audit(c, account_id, 0, 1000).size();
    });
    if (!rows) throw std::runtime_error(rows.message);
    return *rows.value;
}

void routed_site::revoke(const std::string& session_id) const {
    auto done = impl_->pool->run_blocking([&](sql::Connection& c) {
        revoke_session(c, session_id, std::time(nullptr) + 3600);
        return true;
    });
    if (!done) throw std::runtime_error(done.message);
}

void routed_site::execute(const std::string& statement) const {
    auto done = impl_->pool->run_blocking([&](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        st->execute(statement);
        return true;
    });
    if (!done) throw std::runtime_error(done.message);
}

std::uint64_t routed_site::count(const std::string& select_count) const {
    auto n = impl_->pool->run_blocking([&](sql::Connection& c) {
        std::unique_ptr<sql::Statement> st(c.createStatement());
        std::unique_ptr<sql::ResultSet> r(st->executeQuery(select_count));
        return r->next() ? r->getUInt64(1) : std::uint64_t{0};
    });
    if (!n) throw std::runtime_error(n.message);
    return *n.value;
}

void routed_site::place(std::uint64_t account_id, const std::string& state, const std::string& site) const {
    auto done = impl_->pool->run_blocking([&](sql::Connection& c) {
        placement_change change;
        change.account_id = account_id;
        if (auto current = get_placement(c, account_id)) change.expected_version = current->version;
        change.state = placement_state_from_string(state).value();
        change.site = site;
        change.changed_by = "test";
        change.reason = "test data";
        return set_placement(c, change).kind == set_outcome::applied;
    });
    if (!done || !*done.value) throw std::runtime_error("placing account " + std::to_string(account_id) + " failed");
}

bool wait_ready(const gateway_process& gw, std::chrono::milliseconds within) {
    return wait_until(within, [&] {
        try {
            return gw.admin("GET", "/readyz", false).status == 200;
        } catch (const std::exception&) {
            return false;
        }
    });
}

}  // namespace gangway::integration
