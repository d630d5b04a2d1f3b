#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config/config.hpp"
#include "tests/integration/support/gateway_process.hpp"
#include "tests/support/test_database.hpp"

// One site with per-account routing for integration tests: a fresh database on the test
// MariaDB server with gangway's tables, session and assertion key files, and the config lines
// that make a gateway route by placement. The site is "legacy" (origin https://legacy.test)
// and accounts can be moved to "aws" (origin https://aws.test).
namespace gangway::integration {

class routed_site {
public:
    static constexpr std::string_view legacy_origin = "https://legacy.test";
    static constexpr std::string_view aws_origin = "https://aws.test";

    // server: which test MariaDB server ("site_a" or "site_b"), or a database of the
    // caller's (its own server, e.g. one a test stops).
    explicit routed_site(const std::string& server = "site_a");
    explicit routed_site(const database_config& own_database);
    ~routed_site();

    // Settings for a gateway of this site in front of `upstream_ports`, refreshing placement
    // every 20 ms (heartbeats too) so tests see changes quickly.
    gateway_settings settings(std::vector<std::uint16_t> upstream_ports) const;

    // A sealed session cookie value, minted with this site's session keys ("legacy" unless
    // `site` says otherwise), or with `other_keys` when given.
    std::string cookie(std::uint64_t user_id, std::uint64_t account_id, const std::string& email,
                       std::chrono::seconds ttl = std::chrono::hours(1),
                       const std::string& site = "legacy", bool other_keys = false) const;
    // "Cookie: __Host-gangway=<value>\r\n"
    static std::string cookie_field(const std::string& value);

    const database_config& database() const;
    const std::filesystem::path& dir() const { return dir_.path(); }
    const std::filesystem::path& session_keys() const { return session_keys_; }
    const std::filesystem::path& assertion_keys() const { return assertion_keys_; }

    // Rewrites the session keys file with a new newest key followed by the current ones.
    void rotate_session_keys();

    // Runs `gangway accounts <verb> --config <gateway's config> <args...>`.
    command_result accounts(const gateway_process& gw, std::vector<std::string> args,
                            std::chrono::milliseconds within = std::chrono::seconds(30)) const;

    // Directly in the database (no fence): the placement row, or nullopt.
    struct placement { std::string state; std::string site; std::uint64_t version; };
    std::optional<placement> placement_of(std::uint64_t account_id) const;
    std::size_t audit_rows(std::uint64_t account_id) const;
    void revoke(const std::string& session_id) const;
    // Runs one SQL statement on the site's database (test data); throws on failure.
    void execute(const std::string& statement) const;
    // The number of rows `select_count` ("SELECT COUNT(*) ...") reports.
    std::uint64_t count(const std::string& select_count) const;
    // Places (or re-places) an account directly, as `gangway accounts set` would, without a
    // gateway: a new placement row or a compare-and-set on the current one.
    void place(std::uint64_t account_id, const std::string& state, const std::string& site) const;
    std::string session_id_of(const std::string& cookie_value) const;

private:
    struct impl;
    temp_dir dir_;
    std::filesystem::path session_keys_;
    std::filesystem::path assertion_keys_;
    std::filesystem::path other_keys_;
    std::unique_ptr<impl> impl_;
};

// Waits until the gateway's /readyz says 200 "ready" (placement loaded).
bool wait_ready(const gateway_process& gw, std::chrono::milliseconds within = std::chrono::seconds(10));

}  // namespace gangway::integration
