// docs/configuration.md's reference against the loader and the config structs: every key the
// loader accepts (common/config/config_keys.hpp) is documented and every documented key is
// accepted; each documented type is the kind of value the struct holds; each literal default is
// what a config without the key loads to, and writing it loads to the same; each `required` key
// is reported when missing. conf/gangway.example.toml mentions every key.
#include <stdlib.h>  // mkdtemp (POSIX)
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "common/config/config_keys.hpp"
#include "common/config/config_loader.hpp"

namespace gangway {
namespace {

namespace fs = std::filesystem;

fs::path source_root() {
    const char* dir = std::getenv("GANGWAY_SOURCE_DIR");
    return dir ? fs::path(dir) : fs::path(__FILE__).parent_path() / "../..";
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string trim(std::string_view s) {
    const auto begin = s.find_first_not_of(" \t");
    if (begin == std::string_view::npos) return {};
    return std::string(s.substr(begin, s.find_last_not_of(" \t") - begin + 1));
}

std::string join(std::string_view table, std::string_view key) {
    return table.empty() ? std::string(key) : std::string(table) + "." + std::string(key);
}

// ---- what the loader accepts ----------------------------------------------------------------

bool is_table_path(const std::string& path) {
    for (const auto& t : config_keys::all)
        if (t.path == path || t.path.substr(0, path.size() + 1) == path + ".") return true;
    return false;
}

std::set<std::string> accepted_tables() {
    std::set<std::string> out;
    for (const auto& t : config_keys::all)
        if (!t.path.empty()) out.insert(std::string(t.path));
    return out;
}

// "table.key" of every key that holds a value rather than a table.
std::set<std::string> accepted_keys() {
    std::set<std::string> out;
    for (const auto& t : config_keys::all)
        for (const auto key : t.keys)
            if (!is_table_path(join(t.path, key))) out.insert(join(t.path, key));
    return out;
}

// ---- what the reference says ----------------------------------------------------------------

struct documented_key {
    std::string path;  // "server.tls.listen", "sites.<name>.origin"
    std::string type;
    std::string default_cell;
};

struct reference {
    std::set<std::string> tables;
    std::vector<documented_key> keys;
};

std::vector<std::string> cells_of(const std::string& row) {
    std::vector<std::string> cells;
    std::stringstream in(row.substr(1));
    std::string cell;
    while (std::getline(in, cell, '|')) cells.push_back(trim(cell));
    return cells;
}

// The tables under "## Reference" and "## Per-account routing": `### \`[table]\`` headings, then
// rows whose header names the Key, Type and Default columns.
reference read_reference(const std::string& markdown) {
    reference out;
    std::stringstream in(markdown);
    std::string line, table;
    bool in_reference = false;
    std::map<std::string, std::size_t> column;
    while (std::getline(in, line)) {
        if (line.rfind("## ", 0) == 0) {
            in_reference = line == "## Reference" || line == "## Per-account routing";
            continue;
        }
        if (!in_reference) continue;
        if (line.rfind("### `[", 0) == 0) {
            table = line.substr(6, line.find("]`") - 6);
            out.tables.insert(table);
            column.clear();
            continue;
        }
        if (line.rfind("| Key ", 0) == 0) {
            const auto names = cells_of(line);
            for (std::size_t i = 0; i < names.size(); ++i) column[names[i]] = i;
            continue;
        }
        if (line.rfind("| `", 0) != 0) continue;
        const auto cells = cells_of(line);
        const std::string key = cells.at(column.at("Key"));
        out.keys.push_back({join(table, key.substr(1, key.size() - 2)), cells.at(column.at("Type")),
                            cells.at(column.at("Default"))});
    }
    return out;
}

// ---- what the structs hold, rendered as TOML literals ---------------------------------------

enum class value_kind { integer, number, boolean, string, array, secret_source };

struct rendered_key {
    value_kind kind;
    // The loaded value as a TOML literal; nullopt for secret sources, whose value is not kept.
    std::function<std::optional<std::string>(const config&)> render;
};

std::string quoted(const std::string& s) { return "\"" + s + "\""; }
std::string number(double d) {
    std::ostringstream out;
    out << d;
    return out.str();
}
std::string strings(const std::vector<std::string>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + quoted(v[i]);
    return out + "]";
}
std::string address(const listen_address& a) {
    return quoted(a.host + ":" + std::to_string(a.port));
}
std::string servers(const std::vector<upstream_server>& v) {
    std::vector<std::string> text;
    for (const auto& s : v) text.push_back(s.host + ":" + std::to_string(s.port));
    return strings(text);
}
const site_entry& fixture_site(const config& c) { return *c.sites.find("fixture"); }
// The other site of the fixture, whose database the mover reaches ([sites.<name>.database]).
const database_config& other_database(const config& c) { return *c.sites.find("other")->database; }

using V = value_kind;
#define KEY(path, kind, expr) {path, {kind, [](const config& c) -> std::optional<std::string> { return expr; }}}
#define INT(path, expr) KEY(path, V::integer, std::to_string(expr))
#define STR(path, expr) KEY(path, V::string, quoted(expr))
#define SECRET(path) KEY(path, V::secret_source, (static_cast<void>(c), std::nullopt))

// One entry per accepted key: DocumentedKeysAreTheAcceptedKeys fails when one is missing.
const std::map<std::string, rendered_key>& renderers() {
    static const std::map<std::string, rendered_key> map{
        STR("server.instance_id", c.server.instance_id),
        INT("server.worker_threads", c.server.worker_threads),
        INT("server.idle_poll_us", c.server.idle_poll.count()),
        KEY("server.tls.listen", V::string, address(c.server.tls->listen)),
        STR("server.tls.cert_file", c.server.tls->cert_file),
        STR("server.tls.key_file", c.server.tls->key_file),
        KEY("server.plain.listen", V::string, address(c.server.plain->listen)),
        KEY("admin.listen", V::string, address(c.admin.listen)),
        SECRET("admin.token_file"),
        SECRET("admin.token_env"),
        INT("limits.max_header_bytes", c.limits.max_header_bytes),
        INT("limits.max_header_count", c.limits.max_header_count),
        INT("limits.max_url_bytes", c.limits.max_url_bytes),
        INT("limits.max_body_bytes", c.limits.max_body_bytes),
        INT("limits.max_response_header_bytes", c.limits.max_response_header_bytes),
        INT("timeouts.tls_handshake_ms", c.timeouts.tls_handshake.count()),
        INT("timeouts.header_read_ms", c.timeouts.header_read.count()),
        INT("timeouts.body_read_ms", c.timeouts.body_read.count()),
        INT("timeouts.upstream_connect_ms", c.timeouts.upstream_connect.count()),
        INT("timeouts.upstream_response_ms", c.timeouts.upstream_response.count()),
        INT("timeouts.idle_ms", c.timeouts.idle.count()),
        INT("timeouts.drain_ms", c.timeouts.drain.count()),
        KEY("upstream.servers", V::array, servers(c.upstream.servers)),
        INT("upstream.max_idle_per_server", c.upstream.max_idle_per_server),
        INT("upstream.max_fails", c.upstream.max_fails),
        INT("upstream.fail_timeout_ms", c.upstream.fail_timeout.count()),
        KEY("upstream.websocket_paths", V::array, strings(c.upstream.websocket_paths)),
        KEY("identity.header_names", V::array, strings(c.identity.header_names)),
        KEY("routing.api_prefixes", V::array, strings(c.routing.api_prefixes)),
        KEY("routing.public_prefixes", V::array, strings(c.routing.public_prefixes)),
        KEY("routing.signup_prefixes", V::array, strings(c.routing.signup_prefixes)),
        STR("routing.login_path", c.routing.login_path),
        STR("routing.logout_path", c.routing.logout_path),
        STR("routing.forgot_path", c.routing.forgot_path),
        STR("site.name", c.sites.self),
        STR("site.signup_site", c.sites.signup_site),
        STR("sites.<name>.origin", fixture_site(c).origin),
        STR("sites.<name>.peer_url", fixture_site(c).peer_url),
        STR("sites.<name>.database.host", other_database(c).host),
        INT("sites.<name>.database.port", other_database(c).port),
        STR("sites.<name>.database.unix_socket", other_database(c).unix_socket),
        STR("sites.<name>.database.user", other_database(c).user),
        SECRET("sites.<name>.database.password_file"),
        SECRET("sites.<name>.database.password_env"),
        STR("sites.<name>.database.name", other_database(c).name),
        INT("sites.<name>.database.pool_size", other_database(c).pool_size),
        INT("sites.<name>.database.connect_timeout_ms", other_database(c).connect_timeout.count()),
        INT("sites.<name>.database.query_timeout_ms", other_database(c).query_timeout.count()),
        STR("database.host", c.database->host),
        INT("database.port", c.database->port),
        STR("database.unix_socket", c.database->unix_socket),
        STR("database.user", c.database->user),
        SECRET("database.password_file"),
        SECRET("database.password_env"),
        STR("database.name", c.database->name),
        INT("database.pool_size", c.database->pool_size),
        INT("database.connect_timeout_ms", c.database->connect_timeout.count()),
        INT("database.query_timeout_ms", c.database->query_timeout.count()),
        INT("placement.refresh_interval_ms", c.placement.refresh_interval.count()),
        INT("placement.heartbeat_interval_ms", c.placement.heartbeat_interval.count()),
        INT("placement.stale_serve_ms", c.placement.stale_serve.count()),
        INT("placement.instance_ttl_ms", c.placement.instance_ttl.count()),
        INT("placement.fence_timeout_ms", c.placement.fence_timeout.count()),
        INT("placement.lock_retry_after_s", c.placement.lock_retry_after_s),
        STR("session.cookie_name", c.session.cookie_name),
        INT("session.ttl_s", c.session.ttl.count()),
        STR("session.keys_file", c.session.keys_file),
        STR("session.assertion_keys_file", c.session.assertion_keys_file),
        STR("log.level", c.log.level),
        STR("log.access_log", c.log.access_log),
        STR("login.users_table", c.login.users_table),
        STR("login.email_column", c.login.email_column),
        STR("login.password_column", c.login.password_column),
        STR("login.user_id_column", c.login.user_id_column),
        STR("login.account_id_column", c.login.account_id_column),
        STR("login.active_column", c.login.active_column),
        INT("login.max_email_bytes", c.login.max_email_bytes),
        INT("login.max_password_bytes", c.login.max_password_bytes),
        INT("login.hash_workers", c.login.hash_workers),
        INT("login.hash_queue", c.login.hash_queue),
        KEY("login.ip_rate_per_min", V::number, number(c.login.ip_rate_per_min)),
        INT("login.ip_burst", c.login.ip_burst),
        KEY("login.email_rate_per_min", V::number, number(c.login.email_rate_per_min)),
        INT("login.email_burst", c.login.email_burst),
        KEY("login.throttle_shadow", V::boolean, c.login.throttle_shadow ? "true" : "false"),
        INT("login.handoff_ttl_s", c.login.handoff_ttl.count()),
        STR("login.reset_path", c.login.reset_path),
        STR("login.peer_keys_file", c.login.peer_keys_file),
        STR("login.peer_ca_file", c.login.peer_ca_file),
        INT("login.peer_timeout_ms", c.login.peer_timeout.count()),
        INT("login.failure_answer_ms", c.login.failure_answer.count()),
        INT("login.max_form_bytes", c.login.max_form_bytes),
    };
    return map;
}
#undef SECRET
#undef STR
#undef INT
#undef KEY

// The kind a documented Type names ("integer, ms", "array of path prefixes", "file path", ...).
std::optional<value_kind> kind_of(const std::string& type) {
    for (const auto& [prefix, kind] : std::array<std::pair<std::string_view, value_kind>, 9>{{
             {"integer", V::integer}, {"number", V::number}, {"boolean", V::boolean},
             {"array", V::array}, {"string", V::string}, {"listen address", V::string},
             {"upstream address", V::string}, {"file path", V::string}, {"path", V::string}}})
        if (type.rfind(prefix, 0) == 0) return kind;
    return std::nullopt;
}

// ---- a config with every required key, in a temp dir ----------------------------------------

using toml_tables = std::map<std::string, std::map<std::string, std::string>>;

const toml_tables fixture{
    {"server.tls",
     {{"listen", "\"127.0.0.1:8443\""}, {"cert_file", "\"tls.crt\""}, {"key_file", "\"tls.key\""}}},
    {"server.plain", {{"listen", "\"127.0.0.1:8080\""}}},
    {"admin", {{"token_file", "\"token\""}}},
    {"upstream", {{"servers", "[\"127.0.0.1:8000\"]"}}},
    {"site", {{"name", "\"fixture\""}}},
    {"sites.fixture", {{"origin", "\"https://fixture.example.com\""}}},
    {"sites.other", {{"origin", "\"https://other.example.com\""}}},
    {"sites.other.database", {{"user", "\"mover\""}, {"name", "\"app\""}}},
    {"database", {{"user", "\"gangway\""}, {"name", "\"app\""}}},
    {"session", {{"keys_file", "\"session.keys\""}, {"assertion_keys_file", "\"assertion.keys\""}}},
};

std::string toml_of(const toml_tables& tables) {
    std::string out;
    for (const auto& [table, keys] : tables) {
        out += "[" + table + "]\n";
        for (const auto& [key, value] : keys) out += key + " = " + value + "\n";
    }
    return out;
}

std::string hostname_pid() {
    std::array<char, 256> host{};
    ::gethostname(host.data(), host.size() - 1);
    return std::string(host.data()) + "-" + std::to_string(::getpid());
}

// The first `literal` of a Default cell, with the placeholders of computed defaults filled in;
// nullopt when the cell holds a word (required, none, same as ...).
std::optional<std::string> literal_of(const std::string& cell) {
    if (cell.empty() || cell.front() != '`') return std::nullopt;
    std::string literal = cell.substr(1, cell.find('`', 1) - 1);
    if (const auto at = literal.find("<hostname>-<pid>"); at != std::string::npos)
        literal.replace(at, 16, hostname_pid());
    return literal;
}

// A documented path in the fixture: sites.<name>.database is the other site's (this site's
// own may not have one), every other sites.<name> key the fixture site's.
std::string concrete(std::string path) {
    if (path.rfind("sites.<name>.database.", 0) == 0) return path.replace(6, 6, "other");
    if (path.rfind("sites.<name>.", 0) == 0) path.replace(6, 6, "fixture");
    return path;
}

class ConfigReference : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "gangway-config-ref-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        for (const char* file : {"tls.crt", "tls.key", "session.keys", "assertion.keys"})
            std::ofstream(dir_ / file) << "x\n";
        std::ofstream(dir_ / "token") << "reference-test-admin-token\n";
        const std::string markdown = read_text(source_root() / "docs/configuration.md");
        ASSERT_FALSE(markdown.empty()) << "set GANGWAY_SOURCE_DIR to the repository root";
        doc_ = read_reference(markdown);
        ASSERT_FALSE(doc_.keys.empty()) << "no key rows found in docs/configuration.md";
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    config_result load(const toml_tables& tables) const {
        return parse_config(toml_of(tables), (dir_ / "gangway.toml").string());
    }
    static std::string errors_of(const config_result& r) {
        std::string out;
        for (const auto& e : r.errors) out += e.to_string() + "\n";
        return out;
    }
    static std::pair<std::string, std::string> split(const std::string& path) {
        const auto dot = path.rfind('.');
        return {path.substr(0, dot), path.substr(dot + 1)};
    }

    fs::path dir_;
    reference doc_;
};

TEST_F(ConfigReference, DocumentedTablesAreTheAcceptedTables) {
    EXPECT_EQ(doc_.tables, accepted_tables());
}

TEST_F(ConfigReference, DocumentedKeysAreTheAcceptedKeys) {
    std::set<std::string> documented;
    for (const auto& k : doc_.keys) EXPECT_TRUE(documented.insert(k.path).second) << k.path << ": listed twice";
    const auto accepted = accepted_keys();
    for (const auto& key : accepted)
        EXPECT_TRUE(documented.count(key)) << key << ": accepted by the loader, missing from docs/configuration.md";
    for (const auto& key : documented)
        EXPECT_TRUE(accepted.count(key)) << key << ": in docs/configuration.md, but the loader reports it as unknown";
    for (const auto& key : accepted)
        EXPECT_TRUE(renderers().count(key)) << key << ": add it to renderers() in this test";
}

TEST_F(ConfigReference, DocumentedTypesAreTheStoredKinds) {
    for (const auto& k : doc_.keys) {
        const auto it = renderers().find(k.path);
        if (it == renderers().end()) continue;  // reported by DocumentedKeysAreTheAcceptedKeys
        const auto kind = kind_of(k.type);
        ASSERT_TRUE(kind) << k.path << ": unknown type \"" << k.type << "\"";
        const auto stored = it->second.kind;
        EXPECT_TRUE(*kind == stored || (stored == V::secret_source && *kind == V::string))
            << k.path << ": documented as \"" << k.type << "\"";
    }
}

TEST_F(ConfigReference, DocumentedDefaultsAreTheStructDefaults) {
    const config_result result = load(fixture);
    ASSERT_TRUE(result.value) << errors_of(result);
    for (const auto& k : doc_.keys) {
        const auto it = renderers().find(k.path);
        if (it == renderers().end()) continue;
        const auto value = it->second.render(*result.value);
        const std::string& cell = k.default_cell;
        if (const auto literal = literal_of(cell)) {
            EXPECT_EQ(value, literal) << k.path << ": documented default " << cell;
        } else if (cell.rfind("none", 0) == 0) {
            EXPECT_TRUE(!value || *value == "\"\"" || *value == "[]")
                << k.path << ": documented as none, loads as " << value.value_or("?");
        } else if (cell.rfind("same as `", 0) == 0) {
            const std::string other = cell.substr(9, cell.find('`', 9) - 9);
            ASSERT_TRUE(renderers().count(other)) << k.path << ": " << cell;
            EXPECT_EQ(value, renderers().at(other).render(*result.value)) << k.path << ": " << cell;
        } else {
            EXPECT_EQ(cell.rfind("required", 0), 0u)
                << k.path << ": a default must be a `literal`, none, same as `key`, or required";
        }
    }
}

TEST_F(ConfigReference, DocumentedDefaultsLoadToTheSameValue) {
    for (const auto& k : doc_.keys) {
        const auto literal = literal_of(k.default_cell);
        if (!literal || !renderers().count(k.path)) continue;
        toml_tables tables = fixture;
        const auto [table, key] = split(concrete(k.path));
        tables[table][key] = *literal;
        const config_result result = load(tables);
        ASSERT_TRUE(result.value) << k.path << " = " << *literal << ":\n" << errors_of(result);
        EXPECT_EQ(renderers().at(k.path).render(*result.value), literal) << k.path;
    }
}

TEST_F(ConfigReference, RequiredKeysAreReportedWhenMissing) {
    int required = 0;
    for (const auto& k : doc_.keys) {
        if (k.default_cell.rfind("required", 0) != 0) continue;
        ++required;
        const std::string path = concrete(k.path);
        toml_tables tables = fixture;
        const auto [table, key] = split(path);
        ASSERT_EQ(tables[table].erase(key), 1u) << path << ": not in the test's fixture";
        const config_result result = load(tables);
        bool reported = false;
        for (const auto& e : result.errors) reported |= e.key_path == path;
        EXPECT_TRUE(reported) << path << " missing; errors:\n" << errors_of(result);
    }
    EXPECT_GT(required, 0);
}

// The example's header says it lists every key; commented-out lines count.
TEST_F(ConfigReference, ExampleConfigMentionsEveryKey) {
    std::stringstream in(read_text(source_root() / "conf/gangway.example.toml"));
    std::set<std::string> mentioned;
    std::string line, table;
    while (std::getline(in, line)) {
        std::string text = trim(line);
        if (!text.empty() && text.front() == '#') text = trim(text.substr(1));
        if (!text.empty() && text.front() == '[' && text.find(']') != std::string::npos) {
            table = text.substr(1, text.find(']') - 1);
            if (table.rfind("sites.", 0) == 0) {
                const bool database = table.size() > 9 && table.ends_with(".database");
                table = database ? "sites.<name>.database" : "sites.<name>";
            }
            continue;
        }
        const auto eq = text.find(" = ");
        if (eq == std::string::npos) continue;
        const std::string key = text.substr(0, eq);
        if (key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string::npos)
            mentioned.insert(join(table, key));
    }
    for (const auto& key : accepted_keys())
        EXPECT_TRUE(mentioned.count(key)) << key << ": not in conf/gangway.example.toml";
}

}  // namespace
}  // namespace gangway
