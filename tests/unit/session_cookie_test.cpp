#include "common/session/session_cookie.hpp"

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace gangway {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view name = "__Host-gangway";

// 100,000 spaces, then `tail`. Out of line: GCC 12 gives a false -Warray-bounds for the same
// expression inside the initializer list below.
[[gnu::noinline]] std::string after_spaces(std::string_view tail) {
    std::string s(100'000, ' ');
    s.append(tail);
    return s;
}

struct find_case {
    std::string header;
    std::optional<std::string> value;  // nullopt: no value for the name
};

TEST(SessionCookie, FindsTheOneValueOfTheName) {
    const std::vector<find_case> cases = {
        {"__Host-gangway=xyz", "xyz"},
        {"a=1; __Host-gangway=xyz; b=2", "xyz"},
        {"a=1;__Host-gangway=xyz;b=2", "xyz"},
        {"  __Host-gangway = v ;", "v"},
        {"\t__Host-gangway=v\t;\tb=2", "v"},
        {";;; __Host-gangway=v;;", "v"},
        {"__Host-gangway=\"q\"", "q"},
        {"__Host-gangway=\"", "\""},                // a lone quote is kept
        {"__Host-gangway=a=b=c", "a=b=c"},          // only the first '=' separates
        {"__Host-gangway=", ""},                    // present, empty
        {"__Host-gangway; __Host-gangway=v", "v"},  // a pair without '=' is skipped
        {"", std::nullopt},
        {"   ", std::nullopt},
        {";", std::nullopt},
        {"__Host-gangway", std::nullopt},  // no '='
        {"x__Host-gangway=1", std::nullopt},
        {"__Host-gangwayx=1", std::nullopt},
        {"__host-gangway=1", std::nullopt},                    // names are case-sensitive
        {"a=__Host-gangway=1", std::nullopt},                  // appears only inside a value
        {"__Host-gangway=1; __Host-gangway=2", std::nullopt},  // tossing: trust neither
        {"__Host-gangway=1; a=2; __Host-gangway=1", std::nullopt},
        {std::string(100'000, ';'), std::nullopt},
        {std::string(100'000, '='), std::nullopt},
        {after_spaces("__Host-gangway=end"), "end"},
    };
    for (const auto& c : cases) {
        const auto found = find_cookie(c.header, name);
        const std::string shown = c.header.substr(0, 60);
        ASSERT_EQ(found.has_value(), c.value.has_value()) << shown;
        if (found) {
            EXPECT_EQ(*found, *c.value) << shown;
        }
    }
}

TEST(SessionCookie, FindsAValueAmongManyCookies) {
    std::string header;
    for (int i = 0; i < 2000; ++i)
        header += "c" + std::to_string(i) + "=" + std::string(20, 'v') + "; ";
    const std::string value(4000, 'S');
    header.append(name).append("=").append(value).append("; last=1");
    EXPECT_EQ(find_cookie(header, name).value_or(""), value);
    EXPECT_EQ(find_cookie(header, "c1999").value_or(""), std::string(20, 'v'));
    EXPECT_FALSE(find_cookie(header, "c2000"));
}

TEST(SessionCookie, AnEmptyNameNeverMatches) {
    EXPECT_FALSE(find_cookie("=v", ""));
    EXPECT_FALSE(find_cookie("a=1", ""));
}

TEST(SessionCookie, SetCookieFollowsTheHostPrefixRules) {
    session_config cfg;
    const std::string set = session_set_cookie(cfg, "abc", 3600s);
    EXPECT_EQ(set, "__Host-gangway=abc; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=3600");
    EXPECT_EQ(set.find("Domain"), std::string::npos);
    EXPECT_EQ(session_clear_cookie(cfg),
              "__Host-gangway=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0");
}

TEST(SessionCookie, UsesTheConfiguredName) {
    session_config cfg;
    cfg.cookie_name = "__Host-other";
    EXPECT_EQ(session_set_cookie(cfg, "v", 60s).rfind("__Host-other=v; ", 0), 0u);
    EXPECT_EQ(session_clear_cookie(cfg).rfind("__Host-other=; ", 0), 0u);
    // What the gateway sets is what it finds again.
    const std::string set = session_set_cookie(cfg, "sealed-value", 60s);
    EXPECT_EQ(find_cookie(set.substr(0, set.find(';')), cfg.cookie_name).value_or(""),
              "sealed-value");
}

}  // namespace
}  // namespace gangway
