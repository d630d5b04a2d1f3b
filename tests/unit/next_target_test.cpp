#include "gateway/auth/next_target.hpp"

#include <gtest/gtest.h>

#include <string>

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

}  // namespace
}  // namespace gangway
