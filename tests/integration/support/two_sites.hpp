#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "tests/integration/support/fake_upstream.hpp"
#include "tests/integration/support/gateway_process.hpp"
#include "tests/integration/support/raw_client.hpp"
#include "tests/integration/support/routed_site.hpp"

// Two sites as PRODUCT.md draws them, for login journeys: "legacy" (the shared origin,
// https://legacy.localhost:<port>, on the test MariaDB server site_a) and "new"
// (https://new.localhost:<port>, on site_b), each with its own upstream app, users table
// (auth_user, as Django names it), session keys and gateway with TLS; the gateways share peer
// keys and trust the dev CA for each other's certificates.
namespace gangway::integration {

// A TCP port on 127.0.0.1 that was free a moment ago (the gateways' origins must name their
// ports before they start).
std::uint16_t free_port();

// A bcrypt ($2b$) hash of `password` at `cost`, made with libxcrypt.
std::string bcrypt_hash(const std::string& password, unsigned cost = 4);

struct test_user {
    std::uint64_t id = 0;
    std::string email;
    std::string password;
    std::uint64_t account = 0;
    bool active = true;
};

class two_sites {
public:
    struct options {
        unsigned failure_answer_ms = 50;
        double ip_rate_per_min = 100000;
        unsigned ip_burst = 100000;
        double email_rate_per_min = 100000;
        unsigned email_burst = 100000;
        bool throttle_shadow = false;
        unsigned handoff_ttl_s = 30;
    };

    explicit two_sites(options o);
    two_sites() : two_sites(options{}) {}
    ~two_sites();

    // "legacy" or "new".
    routed_site& site(const std::string& name);
    fake_upstream& app(const std::string& name);
    gateway_process& gateway(const std::string& name);
    std::uint16_t port(const std::string& name) const;
    std::string origin(const std::string& name) const;
    // The site whose origin starts `url`, or "" when none does.
    std::string site_of(std::string_view url) const;

    std::filesystem::path peer_keys_file() const { return dir_.path() / "peer.keys"; }

    // Adds a row to the site's users table.
    void add_user(const std::string& site, const test_user& u);
    // Starts both gateways and waits until both are ready.
    void start();

private:
    gateway_settings settings_for_site(const std::string& name);

    options options_;
    routed_site legacy_{"site_a"};
    routed_site new_{"site_b"};
    fake_upstream legacy_app_{"legacy-app"};
    fake_upstream new_app_{"new-app"};
    temp_dir dir_;
    std::uint16_t legacy_port_;
    std::uint16_t new_port_;
    std::unique_ptr<gateway_process> legacy_gw_;
    std::unique_ptr<gateway_process> new_gw_;
};

// The people of the login tests: ada lives on legacy; bob has moved to new (his legacy rows stay
// behind, as after a move); cy exists only on new; dee's account is locked on legacy. Each
// password is "<name>-password", each account 100 + user id.
void add_people(two_sites& s);

// A browser-like client of two_sites: TLS to the gateways, a cookie jar per site, the
// Origin header of the site it is on, its own User-Agent and (loopback) source address.
class browser {
public:
    explicit browser(two_sites& sites, std::string source_ip = "127.0.0.1",
                     std::string user_agent = "gangway-test-browser/1.0");

    // GET, with the jar's cookies for that site; Set-Cookie answers update the jar.
    http_response get(const std::string& site, const std::string& target, const std::string& fields = {});
    // POST an application/x-www-form-urlencoded body, Origin = the site's own origin unless
    // `origin` says otherwise ("-" sends none).
    http_response post_form(const std::string& site, const std::string& path, const std::string& body,
                            const std::string& origin = {});
    // GET <login_path>?next=<next> on `site`, then submit its form with these credentials.
    http_response log_in(const std::string& site, const std::string& email, const std::string& password,
                         const std::string& next = "/");
    // GETs a Location the gateways gave: an absolute URL on one of the sites, or a path on
    // `from_site`.
    http_response follow(const std::string& from_site, const std::string& location);

    std::string cookie(const std::string& site, const std::string& name) const;
    void set_cookie(const std::string& site, const std::string& name, const std::string& value);
    const std::string& user_agent() const { return user_agent_; }

    // The hidden fields of the last login form this browser was shown on `site`.
    std::string form_value(const std::string& site, const std::string& field) const;

private:
    http_response exchange(const std::string& site, const std::string& request);
    std::string cookie_field(const std::string& site) const;

    two_sites& sites_;
    std::string source_ip_;
    std::string user_agent_;
    std::map<std::string, std::map<std::string, std::string>> jar_;
    std::map<std::string, std::string> last_form_;
};

// The value="..." of the input named `name` in an HTML page ("" when absent), unescaped.
std::string input_value(const std::string& html, const std::string& name);
// Percent-encodes a form value.
std::string form_escape(std::string_view value);

}  // namespace gangway::integration
