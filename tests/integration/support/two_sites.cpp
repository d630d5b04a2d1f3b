#include "tests/integration/support/two_sites.hpp"

#include <crypt.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "common/crypto/base64url.hpp"

namespace gangway::integration {
namespace {

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::string sql_text(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

std::string html_unescape(std::string s) {
    const std::pair<std::string, std::string> entities[] = {
        {"&quot;", "\""}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
    for (const auto& [from, to] : entities)
        for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
            s.replace(at, from.size(), to);
    return s;
}

constexpr const char* users_table_sql =
    "CREATE TABLE IF NOT EXISTS auth_user (id BIGINT UNSIGNED PRIMARY KEY, "
    "email VARCHAR(254) NOT NULL, password VARCHAR(255) NOT NULL, "
    "account_id BIGINT UNSIGNED NOT NULL, is_active TINYINT(1) NOT NULL DEFAULT 1, "
    "KEY (email)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci";

}  // namespace

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        throw std::runtime_error("no free port");
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::string bcrypt_hash(const std::string& password, unsigned cost) {
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    crypt_data data{};
    if (!crypt_gensalt_rn("$2b$", cost, nullptr, 0, salt, sizeof salt))
        throw std::runtime_error("crypt_gensalt_rn failed");
    const char* hash = crypt_rn(password.c_str(), salt, &data, sizeof data);
    if (!hash || hash[0] == '*') throw std::runtime_error("crypt_rn failed");
    return hash;
}

two_sites::two_sites(options o) : options_(o), legacy_port_(free_port()), new_port_(free_port()) {
    std::string key(32, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 32);
    std::ofstream(dir_.path() / "peer.keys") << "p1 " << base64_encode(key) << "\n";
    for (auto* s : {&legacy_, &new_}) s->execute(users_table_sql);
}

two_sites::~two_sites() = default;

routed_site& two_sites::site(const std::string& name) { return name == "legacy" ? legacy_ : new_; }
fake_upstream& two_sites::app(const std::string& name) { return name == "legacy" ? legacy_app_ : new_app_; }
gateway_process& two_sites::gateway(const std::string& name) {
    return name == "legacy" ? *legacy_gw_ : *new_gw_;
}
std::uint16_t two_sites::port(const std::string& name) const {
    return name == "legacy" ? legacy_port_ : new_port_;
}
std::string two_sites::origin(const std::string& name) const {
    return "https://" + name + ".localhost:" + std::to_string(port(name));
}

std::string two_sites::site_of(std::string_view url) const {
    for (const char* name : {"legacy", "new"}) {
        const std::string o = origin(name);
        if (url.substr(0, o.size()) == o && (url.size() == o.size() || url[o.size()] == '/'))
            return name;
    }
    return {};
}

void two_sites::add_user(const std::string& site_name, const test_user& u) {
    site(site_name).execute("INSERT INTO auth_user (id, email, password, account_id, is_active) VALUES (" +
                            std::to_string(u.id) + ", " + sql_text(u.email) + ", " +
                            sql_text(bcrypt_hash(u.password)) + ", " + std::to_string(u.account) + ", " +
                            (u.active ? "1" : "0") + ")");
}

gateway_settings two_sites::settings_for_site(const std::string& name) {
    gateway_settings s = site(name).settings({app(name).port()});
    s.tls_listen = "127.0.0.1:" + std::to_string(port(name));
    s.cert_name = name + ".localhost";
    s.extra.erase("sites.aws");
    s.extra["site"] = {"name = " + quoted(name)};
    for (const char* other : {"legacy", "new"})
        s.extra[std::string("sites.") + other] = {"origin = " + quoted(origin(other)),
                                                  "peer_url = " + quoted(origin(other))};
    s.extra["login"] = {
        "active_column = \"is_active\"",
        "peer_keys_file = " + quoted((dir_.path() / "peer.keys").string()),
        "peer_ca_file = " + quoted(ca_file()),
        "peer_timeout_ms = 3000",
        "failure_answer_ms = " + std::to_string(options_.failure_answer_ms),
        "ip_rate_per_min = " + std::to_string(options_.ip_rate_per_min),
        "ip_burst = " + std::to_string(options_.ip_burst),
        "email_rate_per_min = " + std::to_string(options_.email_rate_per_min),
        "email_burst = " + std::to_string(options_.email_burst),
        std::string("throttle_shadow = ") + (options_.throttle_shadow ? "true" : "false"),
        "handoff_ttl_s = " + std::to_string(options_.handoff_ttl_s),
        "hash_workers = 2"};
    s.extra["routing"] = {"public_prefixes = [\"/public\"]"};
    return s;
}

void two_sites::start() {
    legacy_gw_ = std::make_unique<gateway_process>(settings_for_site("legacy"));
    new_gw_ = std::make_unique<gateway_process>(settings_for_site("new"));
    if (!wait_ready(*legacy_gw_) || !wait_ready(*new_gw_))
        throw std::runtime_error("the gateways did not become ready");
}

void add_people(two_sites& s) {
    s.add_user("legacy", {1, "ada@example.com", "ada-password", 101});
    s.site("legacy").place(101, "active", "legacy");
    s.add_user("legacy", {2, "bob@example.com", "bob-password", 102});
    s.site("legacy").place(102, "moved", "new");
    s.add_user("new", {2, "bob@example.com", "bob-password", 102});
    s.site("new").place(102, "active", "new");
    s.add_user("new", {3, "cy@example.com", "cy-password", 103});
    s.site("new").place(103, "active", "new");
    s.add_user("legacy", {4, "dee@example.com", "dee-password", 104});
    s.site("legacy").place(104, "locked", "legacy");
}

// ---- browser ------------------------------------------------------------------------------

browser::browser(two_sites& sites, std::string source_ip, std::string user_agent)
    : sites_(sites), source_ip_(std::move(source_ip)), user_agent_(std::move(user_agent)) {}

http_response browser::exchange(const std::string& site, const std::string& request) {
    raw_client c(transport::tls, sites_.port(site), ca_file(), std::chrono::seconds(10), source_ip_);
    c.send(request);
    auto res = c.read_response();
    for (const auto& [name, value] : res.headers) {
        if (!(name.size() == 10 && strncasecmp(name.c_str(), "set-cookie", 10) == 0)) continue;
        const auto eq = value.find('=');
        const auto end = value.find(';');
        const std::string cookie_name = value.substr(0, eq);
        const std::string cookie_value = value.substr(eq + 1, end - eq - 1);
        if (value.find("Max-Age=0") != std::string::npos) jar_[site].erase(cookie_name);
        else jar_[site][cookie_name] = cookie_value;
    }
    return res;
}

std::string browser::cookie_field(const std::string& site) const {
    const auto it = jar_.find(site);
    if (it == jar_.end() || it->second.empty()) return {};
    std::string out = "Cookie: ";
    bool first = true;
    for (const auto& [name, value] : it->second) {
        out += (first ? "" : "; ") + name + "=" + value;
        first = false;
    }
    return out + "\r\n";
}

http_response browser::get(const std::string& site, const std::string& target, const std::string& fields) {
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: " + site + ".localhost:" +
                                std::to_string(sites_.port(site)) + "\r\nUser-Agent: " + user_agent_ +
                                "\r\nConnection: close\r\n" + cookie_field(site) + fields + "\r\n";
    auto res = exchange(site, request);
    if (input_value(res.body, "csrf").size()) last_form_[site] = res.body;
    return res;
}

http_response browser::post_form(const std::string& site, const std::string& path, const std::string& body,
                                 const std::string& origin) {
    const std::string origin_value = origin.empty() ? sites_.origin(site) : origin;
    std::string request = "POST " + path + " HTTP/1.1\r\nHost: " + site + ".localhost:" +
                          std::to_string(sites_.port(site)) + "\r\nUser-Agent: " + user_agent_ +
                          "\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
                          "Content-Length: " + std::to_string(body.size()) + "\r\n" + cookie_field(site);
    if (origin_value != "-") request += "Origin: " + origin_value + "\r\n";
    return exchange(site, request + "\r\n" + body);
}

http_response browser::log_in(const std::string& site, const std::string& email, const std::string& password,
                              const std::string& next) {
    get(site, "/login?next=" + form_escape(next));
    return post_form(site, "/login",
                     "csrf=" + form_escape(form_value(site, "csrf")) + "&state=" +
                         form_escape(form_value(site, "state")) + "&email=" + form_escape(email) +
                         "&password=" + form_escape(password));
}

http_response browser::follow(const std::string& from_site, const std::string& location) {
    const std::string to = sites_.site_of(location);
    if (to.empty()) return get(from_site, location);
    std::string target = location.substr(sites_.origin(to).size());
    return get(to, target.empty() ? "/" : target);
}

std::string browser::cookie(const std::string& site, const std::string& name) const {
    const auto s = jar_.find(site);
    if (s == jar_.end()) return {};
    const auto c = s->second.find(name);
    return c == s->second.end() ? std::string{} : c->second;
}

void browser::set_cookie(const std::string& site, const std::string& name, const std::string& value) {
    jar_[site][name] = value;
}

std::string browser::form_value(const std::string& site, const std::string& field) const {
    const auto it = last_form_.find(site);
    return it == last_form_.end() ? std::string{} : input_value(it->second, field);
}

std::string input_value(const std::string& html, const std::string& name) {
    const auto at = html.find("name=\"" + name + "\"");
    if (at == std::string::npos) return {};
    const auto value = html.find("value=\"", at);
    const auto tag_end = html.find('>', at);
    if (value == std::string::npos || value > tag_end) return {};
    const auto end = html.find('"', value + 7);
    return html_unescape(html.substr(value + 7, end - value - 7));
}

std::string form_escape(std::string_view value) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace gangway::integration
