#pragma once

#include <filesystem>
#include <string>

#include "common/config/config.hpp"

namespace gangway::testing {

// A fresh, uniquely named database on one of the test MariaDB servers that the CTest fixture
// `mariadb` started (tests/support/mariadb.sh; its directory in GANGWAY_MARIADB_DIR), dropped
// again on destruction. server: "site_a" or "site_b".
class test_database {
public:
    explicit test_database(const std::string& server = "site_a");
    ~test_database();
    test_database(const test_database&) = delete;
    test_database& operator=(const test_database&) = delete;

    const database_config& config() const noexcept { return cfg_; }
    // The server's password file (for configs that read password_file).
    std::filesystem::path password_file() const;
    // Runs SQL through the stock client (test setup only).
    void execute(const std::string& sql) const;

private:
    std::filesystem::path server_dir_;
    database_config cfg_;
};

// Where the fixture's servers live: GANGWAY_MARIADB_DIR, else mariadb/ next to the gangway
// binary (GANGWAY_BINARY), which is where the fixture puts them.
std::filesystem::path mariadb_dir();

}  // namespace gangway::testing
