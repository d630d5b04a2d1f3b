#include "gateway/auth/next_target.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace gangway {
namespace {

using namespace std::string_literals;

// This gateway serves https://app.example.com; the configured sites are the new site and a
// loopback http origin (a local demo); one misconfigured plain-http public origin is listed
// too, and must never be honoured.
constexpr std::string_view own = "https://app.example.com";
const std::vector<std::string> allowed{"https://eu2.example.com", "https://new.localhost:8443",
                                       "http://127.0.0.1:8080", "http://legacy.localhost:9000",
                                       "http://plain.example.com"};

struct next_case {
    const char* name;
    std::string next;
    bool accepted;
};

class NextTargetTable : public ::testing::TestWithParam<next_case> {};

TEST_P(NextTargetTable, AcceptsOnlyTargetsOnOurSites) {
    const auto& c = GetParam();
    const auto result = validated_next(c.next, own, allowed);
    if (c.accepted) {
        ASSERT_TRUE(result.has_value()) << c.next;
        EXPECT_EQ(*result, c.next);  // returned exactly as given
    } else {
        EXPECT_FALSE(result.has_value()) << c.next;
    }
}

const next_case next_cases[] = {
    // ---- accepted: same-origin paths
    {"Root", "/", true},
    {"Path", "/dashboard", true},
    {"PathQueryFragment", "/inbox/42?tab=unread&page=2#message-7", true},
    {"QueryOnRoot", "/?x=1", true},
    {"FragmentOnly", "/#top", true},
    {"EncodedSpaceAndUnicode", "/search?q=caf%C3%A9%20au%20lait", true},
    {"EncodedPercentItself", "/discount?label=100%25", true},
    {"AtSignInPath", "/@alice/profile", true},
    {"ColonInPath", "/javascript:alert(1)", true},  // a path on our origin, not a scheme
    {"SubDelimsInQuery", "/x?a=1;b=(2)&c=*!$'+,", true},
    {"DotsInsideNames", "/files/report.v2..final/a.b", true},
    {"EmptySegmentInside", "/a//b", true},
    {"TildePath", "/~user/page", true},
    {"QuestionMarkInQuery", "/a?b=?c", true},
    {"SlashInQuery", "/a?next=/b/c", true},
    {"MaxLength", "/" + std::string(2047, 'a'), true},
    // ---- accepted: absolute URLs on our sites
    {"OwnOriginWithPath", "https://app.example.com/dashboard?x=1", true},
    {"OwnOriginBare", "https://app.example.com", true},
    {"OwnOriginSlash", "https://app.example.com/", true},
    {"OwnOriginQueryOnly", "https://app.example.com?x=1", true},
    {"OtherSite", "https://eu2.example.com/inbox#m", true},
    {"OtherSiteWithPort", "https://new.localhost:8443/x", true},
    {"LoopbackHttpOrigin", "http://127.0.0.1:8080/x", true},
    {"LocalhostHttpOrigin", "http://legacy.localhost:9000/", true},
    // ---- refused: shapes
    {"Empty", "", false},
    {"TooLong", "/" + std::string(2048, 'a'), false},
    {"RelativeWithoutSlash", "dashboard", false},
    {"QueryOnly", "?next=x", false},
    {"FragmentOnlyRelative", "#top", false},
    {"DotRelative", "./x", false},
    {"SchemeRelative", "//evil.io", false},
    {"SchemeRelativeToOwnHost", "//app.example.com/x", false},
    {"TripleSlash", "///evil.io", false},
    {"TwoFragments", "/a#b#c", false},
    // ---- refused: backslashes, anywhere
    {"BackslashStart", "\\evil.io", false},
    {"SlashBackslash", "/\\evil.io", false},
    {"BackslashSlash", "\\/evil.io", false},
    {"BackslashInPath", "/a\\b", false},
    {"BackslashInQuery", "/a?b=\\c", false},
    {"BackslashInAbsolute", "https://app.example.com\\@evil.io", false},
    // ---- refused: schemes
    {"Javascript", "javascript:alert(1)", false},
    {"JavascriptUpper", "JavaScript:alert(1)", false},
    {"JavascriptSlashes", "javascript://app.example.com/%0aalert(1)", false},
    {"Data", "data:text/html;base64,PHNjcmlwdD4=", false},
    {"Vbscript", "vbscript:msgbox(1)", false},
    {"HttpToOwnHost", "http://app.example.com/x", false},
    {"HttpToNonLoopbackAllowedOrigin", "http://plain.example.com/x", false},
    {"Ftp", "ftp://app.example.com/x", false},
    {"SchemeSingleSlash", "https:/app.example.com/x", false},
    {"SchemeNoSlash", "https:app.example.com/x", false},
    {"SchemeUpperCase", "HTTPS://app.example.com/x", false},
    {"EmptyAuthority", "https:///evil.io", false},
    // ---- refused: look-alike hosts, userinfo, ports
    {"SuffixLookAlike", "https://app.example.com.evil.io/", false},
    {"PrefixLookAlike", "https://evilapp.example.com/", false},
    {"SubdomainOfOwn", "https://x.app.example.com/", false},
    {"Userinfo", "https://app.example.com@evil.io/", false},
    {"UserinfoOnOwnHost", "https://user@app.example.com/", false},
    {"UserinfoWithPassword", "https://a:b@app.example.com/", false},
    {"DifferentPort", "https://app.example.com:8443/", false},
    {"ExplicitDefaultPort", "https://app.example.com:443/", false},
    {"EmptyPort", "https://app.example.com:/", false},
    {"WrongPortOnOtherSite", "https://new.localhost:9443/x", false},
    {"TrailingDotHost", "https://app.example.com./", false},
    {"UpperCaseHost", "https://APP.example.com/", false},
    {"LoopbackWrongPort", "http://127.0.0.1:8081/", false},
    {"LoopbackHttpsNotConfigured", "https://127.0.0.1:8080/", false},
    {"Ipv6Host", "https://[::1]/", false},
    {"EncodedHost", "https://app%2eexample.com/", false},
    // ---- refused: percent-encoded structure
    {"EncodedSlashLower", "/%2fevil.io", false},
    {"EncodedSlashUpper", "/%2Fevil.io", false},
    {"EncodedSlashInQuery", "/a?b=%2F", false},
    {"EncodedBackslash", "/%5cevil.io", false},
    {"EncodedBackslashUpper", "/%5Cevil.io", false},
    {"EncodedDotDot", "/a/%2e%2e/admin", false},
    {"MixedEncodedDotDot", "/a/.%2E/admin", false},
    {"DoubleEncodedSlash", "/%252fevil.io", false},
    {"DoubleEncodedDot", "/a/%252e%252e/admin", false},
    {"TripleEncodedSlash", "/%25252fevil.io", false},
    {"DoubleEncodedBackslash", "/%255Cevil.io", false},
    {"DoubleEncodedNewline", "/a%250d%250a", false},
    {"EncodedPercentThenText", "/a?pct=%25ab", true},  // "%ab" after one decode: not structural
    {"EncodedNewline", "/a%0d%0aSet-Cookie:x=1", false},
    {"EncodedNul", "/a%00b", false},
    {"EncodedTab", "/%09/evil.io", false},
    {"EncodedDel", "/a%7f", false},
    {"TruncatedEscape", "/a%2", false},
    {"BadHexEscape", "/a%zz", false},
    {"LonePercent", "/100%", false},
    // ---- refused: dot segments
    {"DotDotSegment", "/a/../b", false},
    {"DotSegment", "/./b", false},
    {"DotSlashSlash", "/.//evil.io", false},
    {"TrailingDotDot", "/a/..", false},
    {"DotDotInAbsolute", "https://app.example.com/a/../b", false},
    {"DoubleSlashPathInAbsolute", "https://app.example.com//evil.io", false},
    // ---- refused: characters
    {"Space", "/a b", false},
    {"LeadingSpace", " /a", false},
    {"Tab", "/\t/evil.io", false},
    {"NewlineInPath", "/a\nb", false},
    {"CarriageReturn", "/a\rb", false},
    {"Nul", "/a\0b"s, false},
    {"Del", "/a\x7f", false},
    {"NonAsciiUtf8", "/caf\xc3\xa9", false},
    {"NonAsciiHost", "https://\xd0\xb0pp.example.com/", false},  // Cyrillic 'a'
    {"DoubleQuote", "/a\"onload=x", false},
    {"AngleBrackets", "/<script>", false},
    {"Backtick", "/a`b", false},
    {"Braces", "/a{b}", false},
    {"Pipe", "/a|b", false},
    {"Caret", "/a^b", false},
    {"SquareBrackets", "/a[0]", false},
};

INSTANTIATE_TEST_SUITE_P(Cases, NextTargetTable, ::testing::ValuesIn(next_cases),
                         [](const auto& test_case) { return std::string(test_case.param.name); });

TEST(NextTarget, NoAllowedOriginsStillAcceptsOwnOriginAndPaths) {
    const std::vector<std::string> none;
    EXPECT_TRUE(validated_next("/x", own, none));
    EXPECT_TRUE(validated_next("https://app.example.com/x", own, none));
    EXPECT_FALSE(validated_next("https://eu2.example.com/x", own, none));
}

TEST(NextTarget, MalformedConfiguredOriginsNeverMatch) {
    // An empty or scheme-only origin must not turn "https:///..." or "https://" into a match.
    const std::vector<std::string> odd{"", "https://", "https:", "https://app.example.com/"};
    EXPECT_FALSE(validated_next("https:///evil.io", "", odd));
    EXPECT_FALSE(validated_next("https://", "https://", odd));
    EXPECT_FALSE(validated_next("https://app.example.com/x", "", odd));
    EXPECT_TRUE(validated_next("/x", "", odd));
}

TEST(NextTarget, OwnOriginOverHttpOnlyOnLoopback) {
    const std::vector<std::string> none;
    EXPECT_TRUE(validated_next("http://localhost:8080/x", "http://localhost:8080", none));
    EXPECT_FALSE(
        validated_next("http://[::1]:8080/x", "http://[::1]:8080", none));  // no IPv6 literals
    EXPECT_FALSE(validated_next("http://app.example.com/x", "http://app.example.com", none));
    EXPECT_FALSE(validated_next("http://127.0.0.1.evil.io/x", "http://127.0.0.1.evil.io", none));
    EXPECT_FALSE(validated_next("http://localhost.evil.io/x", "http://localhost.evil.io", none));
}

// ---- the open-redirect corpus ------------------------------------------------------------
//
// Hostile `next` values: every way we know of to write a foreign destination so that a browser
// (or an upstream that decodes or normalises before redirecting) would leave our sites. Built
// as explicit lists per trick plus a generated block that crosses "how the authority is
// introduced" with "which foreign host", so a new prefix trick is tried against every
// look-alike at once. All must be refused, whatever the surrounding table says.

std::vector<std::string> hostile_next_targets() {
    std::set<std::string> out;
    const auto add = [&out](std::initializer_list<std::string> values) {
        out.insert(values.begin(), values.end());
    };

    // Scripting and other non-http schemes, including the spellings browsers fold back.
    add({"javascript:alert(document.domain)",
         "JAVASCRIPT:alert(1)",
         "jAvAsCrIpT:alert(1)",
         "javascript:/%0aalert(1)",
         "javascript://%0aalert(1)",
         "javascript:%61lert(1)",
         "java\tscript:alert(1)",
         "java\nscript:alert(1)",
         "java\rscript:alert(1)",
         " javascript:alert(1)",
         "\x01javascript:alert(1)",
         "\x7fjavascript:alert(1)",
         "javascript&colon;alert(1)",
         "data:text/html,<script>alert(1)</script>",
         "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
         "data:,evil",
         "DATA:text/html,x",
         "vbscript:msgbox(1)",
         "VBScript:msgbox(1)",
         "file:///etc/passwd",
         "file://evil.io/share",
         "blob:https://evil.io/0c2f",
         "filesystem:https://evil.io/x",
         "mailto:x@evil.io",
         "tel:+15555550100",
         "intent://evil.io#Intent;scheme=https;end",
         "view-source:https://evil.io/",
         "ws://evil.io/",
         "wss://app.example.com/",
         "ftp://evil.io/",
         "about:blank",
         "chrome://settings"});

    // Plain http: to our own hosts (downgrade) and to a configured non-loopback http origin.
    add({"http://app.example.com/", "http://app.example.com", "http://eu2.example.com/x",
         "http://plain.example.com/", "http://plain.example.com", "http://new.localhost:8443/x"});

    // Percent-encoded structure in a same-origin path, once, twice, mixed and overlong.
    add({"/%2f%2fevil.io",
         "/%2F%2Fevil.io",
         "/%2f/evil.io",
         "/%5c%5cevil.io",
         "/%5C/evil.io",
         "/%5cevil.io",
         "/%2e%2e/%2e%2e/evil.io",
         "/%2E%2E%2fadmin",
         "/.%2e/admin",
         "/%252f%252fevil.io",
         "/%252F/evil.io",
         "/%255cevil.io",
         "/%255C%255Cevil.io",
         "/%25252f/evil.io",
         "/%252e%252e/admin",
         "/%25%32%66%25%32%66evil.io",
         "/%25%32%46evil.io",
         "/%252%66/evil.io",
         "/%25%35%63evil.io",
         "/%255%63evil.io",
         "/%25%32%65%25%32%65/admin",
         "/%c0%af%c0%afevil.io",
         "/%C0%AFevil.io",
         "/%e0%80%af/evil.io",
         "/%c1%9cevil.io",
         "/%c0%ae%c0%ae/admin",
         "/%00//evil.io",
         "/%0d%0aLocation:%20https://evil.io",
         "/%0aSet-Cookie:%20a=b",
         "/%09/evil.io",
         "/%7f/evil.io",
         "/%",
         "/%2",
         "/%zz/evil.io",
         "/%%32%66evil.io",
         "/%u002fevil.io"});

    // Control bytes and whitespace inside or around the value.
    add({"/\t/evil.io", "/\n/evil.io", "/\r/evil.io", "/\x0b/evil.io", "/\x0c/evil.io",
         "/\x00/evil.io"s, "\x00/dashboard"s, " /dashboard", "\t/dashboard", "\n/dashboard",
         "/dashboard\n", "/dashboard\r\nLocation: https://evil.io", "/ /evil.io",
         "/\xc2\xa0/evil.io", "/\xe2\x80\xae/evil.io", "\xef\xbb\xbf/dashboard",
         "/\xef\xbc\x8f/evil.io"});

    // Userinfo that puts our name in front of a foreign host, or credentials on ours.
    add({"https://app.example.com@evil.io", "https://app.example.com@evil.io/",
         "https://app.example.com:@evil.io/", "https://app.example.com:443@evil.io/",
         "https://eu2.example.com@evil.io/x", "https://user:pass@app.example.com/",
         "https://evil.io@app.example.com/", "https://app.example.com%40evil.io/",
         "https://app.example.com%2f@evil.io/", "https://app.example.com\\@evil.io/",
         "http://127.0.0.1:8080@evil.io/"});

    // Look-alike hosts, ports and spellings of our own origins.
    add({"https://app.example.com.evil.io/", "https://app.example.com./",
         "https://app.example.co/",          "https://app-example.com/",
         "https://appexample.com/",          "https://app.example.com:443/",
         "https://app.example.com:8443/",    "https://app.example.com:/",
         "https://app.example.com:0443/",    "https://APP.EXAMPLE.COM/",
         "HTTPS://app.example.com/",         "Https://app.example.com/",
         "https://xn--pp-8cd.example.com/",  "https://xn--app-7na.example.com/",
         "https://\xd0\xb0pp.example.com/",  "https://app.\xd0\xb5xample.com/",
         "https://app%2eexample.com/",       "https://eu2.example.com.evil.io/",
         "https://new.localhost:9443/",      "https://new.localhost/",
         "https://x.new.localhost:8443/",    "https://app.example.com:8443.evil.io/"});

    // IP forms of the loopback origin that is configured as "http://127.0.0.1:8080".
    add({"http://127.1:8080/", "http://127.0.1:8080/", "http://0x7f.0.0.1:8080/",
         "http://0x7f000001:8080/", "http://2130706433:8080/", "http://0177.0.0.1:8080/",
         "http://127.0.0.01:8080/", "http://[::1]:8080/", "http://[::ffff:127.0.0.1]:8080/",
         "http://127.0.0.1:80/", "http://127.0.0.1/", "http://127.0.0.1:08080/",
         "http://localhost:8080/", "http://127.0.0.1.nip.io:8080/", "http://0.0.0.0:8080/",
         "https://127.0.0.1:8080/"});

    // Generated: ways of introducing an authority (or of making a path one) x foreign hosts.
    const std::vector<std::string> introducers{"//",
                                               "///",
                                               "////",
                                               "\\\\",
                                               "/\\",
                                               "\\/",
                                               "/\\/",
                                               "\\\\\\",
                                               "/\t/",
                                               "https://",
                                               "https:/",
                                               "https:",
                                               "https:\\\\",
                                               "https:/\\",
                                               "https:\\/",
                                               "https:///",
                                               "HTTPS://",
                                               "http://",
                                               "hTTp://",
                                               " https://",
                                               "\thttps://",
                                               "\nhttps://",
                                               " //",
                                               "\t//",
                                               "/%2f",
                                               "/%5c",
                                               "%2f%2f",
                                               "%5c%5c",
                                               "/%252f",
                                               "https%3a//",
                                               "https%3A%2F%2F",
                                               "//%09",
                                               "/./",
                                               "/../",
                                               "./",
                                               ".//"};
    const std::vector<std::string> foreign_hosts{
        "evil.io", "app.example.com.evil.io", "app-example.com", "xn--80ak6aa92e.com", "127.0.0.1"};
    for (const auto& introducer : introducers)
        for (const auto& host : foreign_hosts) out.insert(introducer + host + "/");

    return {out.begin(), out.end()};
}

// Legitimate targets, which the refusals above must not catch.
const std::vector<std::string> legitimate_next_targets{
    "/",
    "/dashboard",
    "/inbox/42?tab=unread&page=2#message-7",
    "/search?q=caf%C3%A9%20au%20lait",
    "/discount?label=100%25",
    "/a?pct=%25ab",
    "/@alice/profile",
    "/files/report.v2..final/a.b",
    "/a//b",
    "/~user/page",
    "/javascript:alert(1)",
    "/a?next=https://evil.io",  // a URL in our own query string is data, not a destination
    "https://app.example.com",
    "https://app.example.com/",
    "https://app.example.com/dashboard?x=1#top",
    "https://app.example.com?x=1",
    "https://app.example.com#top",
    "https://eu2.example.com/inbox#m",
    "https://new.localhost:8443/x",
    "http://127.0.0.1:8080/x",
    "http://legacy.localhost:9000/",
};

TEST(NextTargetOpenRedirect, CorpusHasAtLeastAHundredDistinctHostileValues) {
    EXPECT_GE(hostile_next_targets().size(), 100u);
}

TEST(NextTargetOpenRedirect, RefusesEveryHostileValue) {
    for (const std::string& next : hostile_next_targets()) {
        EXPECT_FALSE(validated_next(next, own, allowed).has_value())
            << "accepted hostile next " << ::testing::PrintToString(next);
    }
}

TEST(NextTargetOpenRedirect, AcceptsEveryLegitimateTarget) {
    for (const std::string& next : legitimate_next_targets) {
        const auto result = validated_next(next, own, allowed);
        ASSERT_TRUE(result.has_value()) << "refused " << ::testing::PrintToString(next);
        EXPECT_EQ(*result, next);
    }
}

}  // namespace
}  // namespace gangway
