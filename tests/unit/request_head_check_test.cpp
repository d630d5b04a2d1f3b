#include "gateway/server/request_head_check.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace gangway {
namespace {

using namespace std::string_literals;
using r = head_rejection;

struct head_case {
    std::string name;  // PascalCase, becomes the test name
    std::string head;
    head_rejection expected;
    head_limits limits{};
};

void PrintTo(const head_case& c, std::ostream* os) { *os << c.name; }

// "GET / HTTP/1.1" + the given field lines + the empty line.
std::string get_with(std::string_view fields) {
    return "GET / HTTP/1.1\r\n"s + std::string(fields) + "\r\n";
}

std::string post_with(std::string_view fields) {
    return "POST /upload HTTP/1.1\r\nHost: example.com\r\n"s + std::string(fields) + "\r\n";
}

std::string with_fields(std::size_t count) {
    std::string fields = "Host: example.com\r\n";
    for (std::size_t i = 1; i < count; ++i) fields += "X-F" + std::to_string(i) + ": v\r\n";
    return get_with(fields);
}

std::string with_target(std::string_view target) {
    return "GET "s + std::string(target) + " HTTP/1.1\r\nHost: example.com\r\n\r\n";
}

std::string with_host(std::string_view host) { return get_with("Host: "s + std::string(host) + "\r\n"); }

std::vector<head_case> cases() {
    const std::string host = "Host: example.com\r\n";
    return {
        // ---- accepted ----------------------------------------------------------------------
        {"GetWithoutBody", get_with(host), r::none},
        {"PostWithContentLength", post_with("Content-Length: 5\r\n"), r::none},
        {"ChunkedPost", post_with("Transfer-Encoding: chunked\r\n"), r::none},
        {"ChunkedUpperCase", post_with("TRANSFER-ENCODING: CHUNKED\r\n"), r::none},
        {"ChunkedAfterTab", post_with("Transfer-Encoding:\tchunked\r\n"), r::none},
        {"ChunkedWithTrailingOws", post_with("Transfer-Encoding: chunked \t\r\n"), r::none},
        {"ContentLengthWithOws", post_with("Content-Length:  5 \r\n"), r::none},
        {"ContentLengthZero", post_with("Content-Length: 0\r\n"), r::none},
        {"ContentLengthLeadingZeros", post_with("Content-Length: 007\r\n"), r::none},
        {"Http10WithoutHost", "GET / HTTP/1.0\r\n\r\n", r::none},
        {"Http10WithContentLength", "POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\n", r::none},
        {"OptionsAsterisk", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", r::none},
        {"AbsoluteFormMatchingHost", "GET http://example.com/a?b HTTP/1.1\r\n" + host + "\r\n",
         r::none},
        {"AbsoluteFormCaseAndDefaultPort",
         "GET HTTP://Example.COM:80/ HTTP/1.1\r\nHost: EXAMPLE.com\r\n\r\n", r::none},
        {"AbsoluteFormHttpsDefaultPort",
         "GET https://example.com/ HTTP/1.1\r\nHost: example.com:443\r\n\r\n", r::none},
        {"AbsoluteFormWithoutPath", "GET http://example.com HTTP/1.1\r\n" + host + "\r\n",
         r::none},
        {"AbsoluteFormIpv6", "GET http://[::1]:8080/x HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n",
         r::none},
        {"ObsTextInValue", get_with(host + "X-Name: caf\xc3\xa9 \x80\xff\r\n"), r::none},
        {"EmptyFieldValue", get_with(host + "X-Empty:\r\n"), r::none},
        {"HostNameCaseInsensitive", get_with("hOsT: example.com\r\n"), r::none},
        {"HostIpv4WithPort", with_host("192.0.2.1:8443"), r::none},
        {"HostIpv6", with_host("[2001:db8::1]"), r::none},
        {"HostIpv6EmbeddedIpv4", with_host("[::ffff:192.0.2.1]:80"), r::none},
        {"HostTrailingDot", with_host("example.com."), r::none},
        {"TargetWithPercentEscapesAndQuery", with_target("/a%20b/%C3%A9?q=1&r=%2F;x=[1]"),
         r::none},
        {"UnknownTokenMethod", "PURGE / HTTP/1.1\r\n" + host + "\r\n", r::none},
        {"HundredFieldsAtLimit", with_fields(100), r::none},
        {"HeadExactlyAtSizeLimit", "GET / HTTP/1.0\r\n\r\n", r::none,
         head_limits{.max_header_bytes = 18}},
        {"TargetExactlyAtUrlLimit", with_target("/1234567"), r::none,
         head_limits{.max_url_bytes = 8}},
        {"BodyExactlyAtLimit", post_with("Content-Length: 1000\r\n"), r::none, head_limits{.max_body_bytes = 1000}},
        {"UnderscoreInOrdinaryName", get_with(host + "X_Custom: 1\r\n"), r::none},

        // ---- limits ------------------------------------------------------------------------
        {"HeadOneByteOverLimit", "GET / HTTP/1.0\r\n\r\n", r::header_too_large,
         head_limits{.max_header_bytes = 17}},
        {"HeadLimitBeforeAnythingElse", "\0\0\0\r\n\r\n"s, r::header_too_large,
         head_limits{.max_header_bytes = 4}},
        {"HeadLargeHeader", get_with(host + "X-Big: " + std::string(20000, 'a') + "\r\n"),
         r::header_too_large},
        {"TooManyFields", with_fields(101), r::too_many_headers},
        {"TooManyFieldsSmallLimit", get_with(host + "A: 1\r\nB: 2\r\n"), r::too_many_headers,
         head_limits{.max_header_count = 2}},
        {"UrlTooLong", with_target("/" + std::string(8192, 'a')), r::url_too_long},
        {"UrlTooLongBeforeBadTarget", with_target("/12345<78"), r::url_too_long,
         head_limits{.max_url_bytes = 8}},

        // ---- request line ------------------------------------------------------------------
        {"RequestLineHttp09", "GET /\r\n\r\n", r::bad_request_line},
        {"RequestLineDoubleSpaceAfterMethod", "GET  / HTTP/1.1\r\n" + host + "\r\n",
         r::bad_request_line},
        {"RequestLineDoubleSpaceBeforeVersion", "GET /  HTTP/1.1\r\n" + host + "\r\n",
         r::bad_request_line},
        {"RequestLineTrailingSpace", "GET / HTTP/1.1 \r\n" + host + "\r\n", r::bad_request_line},
        {"RequestLineLeadingSpace", " GET / HTTP/1.1\r\n" + host + "\r\n", r::bad_request_line},
        {"RequestLineTabSeparator", "GET\t/ HTTP/1.1\r\n" + host + "\r\n", r::bad_request_line},
        {"RequestLineLeadingEmptyLine", "\r\nGET / HTTP/1.1\r\n" + host + "\r\n",
         r::bad_request_line},
        {"RequestLineOnlyEmptyLine", "\r\n\r\n", r::bad_request_line},
        {"HeadWithoutEmptyLine", "GET / HTTP/1.1\r\n" + host, r::bad_request_line},
        {"HeadEmpty", "", r::bad_request_line},
        {"BytesAfterEmptyLine", "GET / HTTP/1.1\r\n" + host + "\r\nGET / HTTP/1.1\r\n\r\n",
         r::bad_request_line},
        {"MethodWithAt", "G@T / HTTP/1.1\r\n" + host + "\r\n", r::bad_method},
        {"MethodWithParenthesis", "GE(T / HTTP/1.1\r\n" + host + "\r\n", r::bad_method},
        {"MethodWithObsText", "G\xc9T / HTTP/1.1\r\n" + host + "\r\n", r::bad_method},
        {"ConnectMethod", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
         r::connect_method},
        {"ConnectMethodLowerCase", "connect example.com:443 HTTP/1.1\r\n" + host + "\r\n",
         r::connect_method},
        {"ConnectMethodOriginForm", "CONNECT / HTTP/1.1\r\n" + host + "\r\n", r::connect_method},
        {"VersionHttp20", "GET / HTTP/2.0\r\n" + host + "\r\n", r::bad_version},
        {"VersionHttp12", "GET / HTTP/1.2\r\n" + host + "\r\n", r::bad_version},
        {"VersionLowerCase", "GET / http/1.1\r\n" + host + "\r\n", r::bad_version},
        {"VersionWithoutMinor", "GET / HTTP/1\r\n" + host + "\r\n", r::bad_version},
        {"VersionTwoDigitMinor", "GET / HTTP/1.10\r\n" + host + "\r\n", r::bad_version},
        {"TargetWithoutSlash", with_target("example.com/"), r::bad_target},
        {"TargetAsteriskWithGet", with_target("*"), r::bad_target},
        {"TargetAsteriskWithPath", "OPTIONS */x HTTP/1.1\r\n" + host + "\r\n", r::bad_target},
        {"TargetPercentNotHex", with_target("/a%zzb"), r::bad_target},
        {"TargetPercentTruncated", with_target("/a%4"), r::bad_target},
        {"TargetSpaceInside", with_target("/a b"), r::bad_target},
        {"TargetDoubleQuote", with_target("/a\"b"), r::bad_target},
        {"TargetAngleBracket", with_target("/<script>"), r::bad_target},
        {"TargetBackslash", with_target("/a\\..\\b"), r::bad_target},
        {"TargetCaretBacktickBraces", with_target("/^`{}"), r::bad_target},
        {"TargetPipe", with_target("/a|b"), r::bad_target},
        {"TargetFragment", with_target("/a#b"), r::bad_target},
        {"TargetObsText", with_target("/caf\xc3\xa9"), r::bad_target},
        {"TargetOtherScheme", with_target("ftp://example.com/"), r::bad_target},
        {"TargetUserinfo", with_target("http://user@example.com/"), r::bad_target},
        {"TargetEmptyAuthority", with_target("http:///x"), r::bad_target},
        {"TargetAuthorityForm", with_target("example.com:443"), r::bad_target},
        {"ForeignAbsoluteForm", "GET http://evil.example/ HTTP/1.1\r\n" + host + "\r\n",
         r::foreign_absolute_form},
        {"ForeignAbsoluteFormPort", "GET http://example.com:8080/ HTTP/1.1\r\n" + host + "\r\n",
         r::foreign_absolute_form},
        {"ForeignAbsoluteFormSchemePort",
         "GET https://example.com/ HTTP/1.1\r\nHost: example.com:80\r\n\r\n",
         r::foreign_absolute_form},
        {"ForeignAbsoluteFormHttp10",
         "GET http://evil.example/ HTTP/1.0\r\nHost: example.com\r\n\r\n",
         r::foreign_absolute_form},

        // ---- line endings and bytes ----------------------------------------------------------
        {"BareCrInValue", get_with("Host: example.com\rX: y\r\n"), r::bare_cr},
        {"BareCrAsRequestLineEnd", "GET / HTTP/1.1\rHost: example.com\r\n\r\n", r::bare_cr},
        {"BareCrInTarget", with_target("/a\rb"), r::bare_cr},
        {"BareCrInName", get_with(host + "X-\rA: 1\r\n"), r::bare_cr},
        {"BareCrBeforeCrlf", get_with(host + "X: a\r\r\n"), r::bare_cr},
        {"BareCrAtLineStart", get_with(host + "\rX: a\r\n"), r::bare_cr},
        {"BareLfAfterRequestLine", "GET / HTTP/1.1\nHost: example.com\r\n\r\n", r::bare_lf},
        {"BareLfAfterField", "GET / HTTP/1.1\r\nHost: example.com\nX: y\r\n\r\n", r::bare_lf},
        {"BareLfHead", "GET / HTTP/1.1\nHost: example.com\n\n", r::bare_lf},
        {"BareLfEmptyLine", "GET / HTTP/1.1\r\nHost: example.com\r\n\n", r::bare_lf},
        {"BareLfBeforeEmptyLine", "GET / HTTP/1.1\r\nHost: example.com\n\r\n", r::bare_lf},
        {"BareLfAfterName", get_with(host + "X-Name\nY: 1\r\n"), r::bare_lf},
        {"NulInValue", get_with(host + "X-A: a\0b\r\n"s), r::control_byte},
        {"NulInContentLength", post_with("Content-Length: 5\0\r\n"s), r::control_byte},
        {"SohInValue", get_with(host + "X-A: \x01\r\n"), r::control_byte},
        {"UnitSeparatorInValue", get_with(host + "X-A: a\x1f\r\n"), r::control_byte},
        {"DelInValue", get_with(host + "X-A: a\x7f\r\n"), r::control_byte},
        {"VerticalTabInValue", get_with(host + "X-A: a\vb\r\n"), r::control_byte},
        {"NulInTarget", with_target("/a\0b"s), r::control_byte},
        {"NulInMethod", "G\0T / HTTP/1.1\r\n"s + host + "\r\n", r::control_byte},

        // ---- field lines ---------------------------------------------------------------------
        {"ObsFoldSpace", get_with(host + "X-A: a\r\n b\r\n"), r::obs_fold},
        {"ObsFoldTab", get_with(host + "X-A: a\r\n\tb\r\n"), r::obs_fold},
        {"ObsFoldFirstField", "GET / HTTP/1.1\r\n Host: example.com\r\n\r\n", r::obs_fold},
        {"TransferEncodingSpaceBeforeColon", post_with("Transfer-Encoding : chunked\r\n"),
         r::whitespace_before_colon},
        {"ContentLengthTabBeforeColon", post_with("Content-Length\t: 5\r\n"),
         r::whitespace_before_colon},
        {"HostSpaceBeforeColon", get_with("Host : example.com\r\n"), r::whitespace_before_colon},
        {"NameMissingColon", get_with(host + "X-Name value\r\n"), r::bad_header_name},
        {"NameWithoutColonAtAll", get_with(host + "X-Name\r\n"), r::bad_header_name},
        {"NameEmpty", get_with(host + ": value\r\n"), r::bad_header_name},
        {"NameWithParenthesis", get_with(host + "X(A): 1\r\n"), r::bad_header_name},
        {"NameWithObsText", get_with(host + "X-\xc3\xa9: 1\r\n"), r::bad_header_name},
        {"NameWithNul", get_with(host + "X-\0A: 1\r\n"s), r::bad_header_name},
        {"ContentLengthUnderscoreAlias", post_with("Content_Length: 5\r\n"), r::bad_header_name},
        {"TransferEncodingUnderscoreAlias", post_with("Transfer_Encoding: chunked\r\n"),
         r::bad_header_name},

        // ---- Host ---------------------------------------------------------------------------
        {"MissingHost", "GET / HTTP/1.1\r\nX-A: 1\r\n\r\n", r::missing_host},
        {"MissingHostAbsoluteForm", "GET http://example.com/ HTTP/1.1\r\n\r\n", r::missing_host},
        {"DuplicateHostEqual", get_with(host + host), r::duplicate_host},
        {"DuplicateHostDifferentCase", get_with(host + "host: other.example\r\n"),
         r::duplicate_host},
        {"DuplicateHostHttp10", "GET / HTTP/1.0\r\n" + host + host + "\r\n", r::duplicate_host},
        {"HostEmpty", get_with("Host:\r\n"), r::bad_host},
        {"HostWithSpace", with_host("exa mple.com"), r::bad_host},
        {"HostUserinfo", with_host("user@example.com"), r::bad_host},
        {"HostList", with_host("a.example,b.example"), r::bad_host},
        {"HostWithPath", with_host("example.com/x"), r::bad_host},
        {"HostPortNotNumeric", with_host("example.com:http"), r::bad_host},
        {"HostPortEmpty", with_host("example.com:"), r::bad_host},
        {"HostPortTooLarge", with_host("example.com:70000"), r::bad_host},
        {"HostIpv6Unclosed", with_host("[::1"), r::bad_host},
        {"HostIpv6TooFewGroups", with_host("[1:2:3]"), r::bad_host},
        {"HostIpv6TwoElisions", with_host("[1::2::3]"), r::bad_host},
        {"HostIpv6Zone", with_host("[fe80::1%25eth0]"), r::bad_host},
        {"HostEmptyLabel", with_host("example..com"), r::bad_host},
        {"HostPercentEncoded", with_host("ex%61mple.com"), r::bad_host},

        // ---- Content-Length -------------------------------------------------------------------
        {"ContentLengthPlusSign", post_with("Content-Length: +5\r\n"), r::bad_content_length},
        {"ContentLengthNegative", post_with("Content-Length: -1\r\n"), r::bad_content_length},
        {"ContentLengthHex", post_with("Content-Length: 0x10\r\n"), r::bad_content_length},
        {"ContentLengthList", post_with("Content-Length: 5, 5\r\n"), r::bad_content_length},
        {"ContentLengthInnerSpace", post_with("Content-Length: 5 5\r\n"), r::bad_content_length},
        {"ContentLengthEmpty", post_with("Content-Length:\r\n"), r::bad_content_length},
        {"ContentLengthExponent", post_with("Content-Length: 1e3\r\n"), r::bad_content_length},
        {"ContentLengthTwentyDigits", post_with("Content-Length: 00000000000000000001\r\n"),
         r::bad_content_length},
        {"ContentLengthOverflow", post_with("Content-Length: 18446744073709551616\r\n"),
         r::bad_content_length},
        {"DuplicateContentLengthEqual", post_with("Content-Length: 5\r\nContent-Length: 5\r\n"),
         r::duplicate_content_length},
        {"DuplicateContentLengthDifferent",
         post_with("Content-Length: 5\r\ncontent-length: 6\r\n"), r::duplicate_content_length},
        {"BodyTooLarge", post_with("Content-Length: 1001\r\n"), r::body_too_large,
         head_limits{.max_body_bytes = 1000}},
        {"BodyTooLargeNineteenDigits", post_with("Content-Length: 9999999999999999999\r\n"),
         r::body_too_large},

        // ---- Transfer-Encoding ----------------------------------------------------------------
        {"ClTe", post_with("Content-Length: 6\r\nTransfer-Encoding: chunked\r\n"),
         r::content_length_with_transfer_encoding},
        {"TeCl", post_with("Transfer-Encoding: chunked\r\nContent-Length: 6\r\n"),
         r::content_length_with_transfer_encoding},
        {"ClTeHttp10", "POST / HTTP/1.0\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n",
         r::content_length_with_transfer_encoding},
        {"TransferEncodingOnHttp10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
         r::transfer_encoding_on_http10},
        {"TransferEncodingOnHttp10WithHost",
         "POST / HTTP/1.0\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n",
         r::transfer_encoding_on_http10},
        {"TransferEncodingGzipChunked", post_with("Transfer-Encoding: gzip, chunked\r\n"),
         r::bad_transfer_encoding},
        {"TransferEncodingChunkedTwice", post_with("Transfer-Encoding: chunked, chunked\r\n"),
         r::bad_transfer_encoding},
        {"TransferEncodingParameter", post_with("Transfer-Encoding: chunked;x\r\n"),
         r::bad_transfer_encoding},
        {"TransferEncodingXchunked", post_with("Transfer-Encoding: xchunked\r\n"),
         r::bad_transfer_encoding},
        {"TransferEncodingTrailingComma", post_with("Transfer-Encoding: chunked,\r\n"),
         r::bad_transfer_encoding},
        {"TransferEncodingIdentity", post_with("Transfer-Encoding: identity\r\n"),
         r::bad_transfer_encoding},
        {"TransferEncodingEmpty", post_with("Transfer-Encoding:\r\n"), r::bad_transfer_encoding},
        {"TransferEncodingTwoFields",
         post_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
         r::bad_transfer_encoding},
        {"TransferEncodingSecondFieldObfuscated",
         post_with("Transfer-Encoding: chunked\r\nTransfer-encoding: x\r\n"),
         r::bad_transfer_encoding},
        {"TransferEncodingQuoted", post_with("Transfer-Encoding: \"chunked\"\r\n"),
         r::bad_transfer_encoding},
    };
}

class RequestHeadCheck : public ::testing::TestWithParam<head_case> {};

TEST_P(RequestHeadCheck, Decides) {
    const auto& c = GetParam();
    EXPECT_EQ(head_rejection_name(check_request_head(c.head, c.limits)),
              head_rejection_name(c.expected));
    // The parsing variant the proxy uses decides the same.
    request_head_view view;
    EXPECT_EQ(head_rejection_name(parse_request_head(c.head, c.limits, view)),
              head_rejection_name(c.expected));
}

INSTANTIATE_TEST_SUITE_P(Table, RequestHeadCheck, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<head_case>& param_info) {
                             return param_info.param.name;
                         });

TEST_F(RequestHeadCheck, TableCoversEveryRejection) {
    std::set<head_rejection> seen;
    for (const auto& c : cases()) seen.insert(c.expected);
    for (int v = 0; v <= static_cast<int>(head_rejection::body_too_large); ++v)
        EXPECT_TRUE(seen.contains(static_cast<head_rejection>(v)))
            << head_rejection_name(static_cast<head_rejection>(v));
}

TEST_F(RequestHeadCheck, RejectionNamesAreUniqueAndNonEmpty) {
    std::set<std::string_view> names;
    for (int v = 0; v <= static_cast<int>(head_rejection::body_too_large); ++v) {
        const auto name = head_rejection_name(static_cast<head_rejection>(v));
        EXPECT_FALSE(name.empty()) << v;
        EXPECT_NE(name, "unknown") << v;
        EXPECT_TRUE(names.insert(name).second) << name;
    }
    EXPECT_EQ(head_rejection_name(head_rejection::none), "ok");
}

TEST_F(RequestHeadCheck, FindHeadEnd) {
    struct end_case {
        std::string bytes;
        std::size_t expected;
    };
    const std::vector<end_case> table = {
        {"", 0},
        {"GET / HTTP/1.1\r\nHost: a\r\n", 0},
        {"GET / HTTP/1.1\r\nHost: a\r\n\r", 0},
        {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 27},
        {"GET / HTTP/1.1\r\nHost: a\r\n\r\nbody", 27},
        {"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n", 18},
        {"GET / HTTP/1.1\nHost: a\n\n", 24},
        {"GET / HTTP/1.1\r\nHost: a\r\n\nrest", 26},
        {"GET / HTTP/1.1\r\nHost: a\n\r\n", 26},
        {"GET / HTTP/1.1\r\r\r\r", 0},
        {"\r\nGET / HTTP/1.1\r\n", 0},
        {"\n\n", 2},
    };
    for (const auto& c : table) {
        SCOPED_TRACE(c.bytes);
        EXPECT_EQ(find_head_end(c.bytes), c.expected);
    }
}

// The head find_head_end cuts out is exactly what check_request_head accepts.
TEST_F(RequestHeadCheck, FindHeadEndAgreesWithCheck) {
    const std::string stream = "POST /a HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n\r\nhi";
    const auto end = find_head_end(stream);
    ASSERT_EQ(end, stream.size() - 2);
    EXPECT_EQ(check_request_head(std::string_view(stream).substr(0, end), head_limits{}),
              head_rejection::none);
}

TEST_F(RequestHeadCheck, ParseYieldsTheHeadAsViews) {
    const std::string head =
        "POST /a?b=1 HTTP/1.1\r\nHost: example.com\r\nX-Request-Id:  r-1 \r\n"
        "Content-Length: 12\r\nconnection: Upgrade, keep-alive\r\nCookie: a=1\r\n\r\n";
    request_head_view view;
    ASSERT_EQ(parse_request_head(head, head_limits{}, view), head_rejection::none);
    EXPECT_EQ(view.method, "POST");
    EXPECT_EQ(view.target, "/a?b=1");
    EXPECT_FALSE(view.http10);
    ASSERT_EQ(view.fields.size(), 5u);
    EXPECT_EQ(view.fields.lines()[1].name, "X-Request-Id");
    EXPECT_EQ(view.fields.lines()[1].value, "r-1");
    EXPECT_EQ(view.fields[known_field::host], "example.com");
    EXPECT_EQ(view.fields[known_field::cookie], "a=1");
    EXPECT_EQ(view.fields[known_field::x_request_id], "r-1");
    EXPECT_EQ(view.fields.find("COOKIE"), "a=1");
    EXPECT_EQ(view.fields[known_field::accept], "");
    ASSERT_TRUE(view.content_length);
    EXPECT_EQ(*view.content_length, 12u);
    EXPECT_FALSE(view.chunked);
    EXPECT_TRUE(view.keep_alive());
    EXPECT_TRUE(view.upgrade());

    // The same view, reused, forgets the previous head.
    ASSERT_EQ(parse_request_head("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
                                 head_limits{}, view),
              head_rejection::transfer_encoding_on_http10);
    ASSERT_EQ(parse_request_head("PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                                 "Connection: close\r\n\r\n",
                                 head_limits{}, view),
              head_rejection::none);
    EXPECT_TRUE(view.chunked);
    EXPECT_FALSE(view.content_length);
    EXPECT_FALSE(view.keep_alive());
    EXPECT_FALSE(view.upgrade());
    EXPECT_EQ(view.fields[known_field::cookie], "");
}

TEST_F(RequestHeadCheck, Http10KeepsAliveOnlyWhenAsked) {
    request_head_view view;
    ASSERT_EQ(parse_request_head("GET / HTTP/1.0\r\n\r\n", head_limits{}, view),
              head_rejection::none);
    EXPECT_TRUE(view.http10);
    EXPECT_FALSE(view.keep_alive());
    ASSERT_EQ(parse_request_head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
                                 head_limits{}, view),
              head_rejection::none);
    EXPECT_TRUE(view.keep_alive());
}

TEST(KnownField, NamesAreRecognisedInAnyCase) {
    EXPECT_EQ(classify_field("content-length"), known_field::content_length);
    EXPECT_EQ(classify_field("CONTENT-LENGTH"), known_field::content_length);
    EXPECT_EQ(classify_field("Sec-Fetch-Dest"), known_field::sec_fetch_dest);
    EXPECT_EQ(classify_field("X-Forwarded-Proto"), known_field::x_forwarded_proto);
    EXPECT_EQ(classify_field("Proxy-Authorization"), known_field::proxy_authorization);
    EXPECT_EQ(classify_field("TE"), known_field::te);
    EXPECT_EQ(classify_field("Content-Lengtx"), known_field::other);
    EXPECT_EQ(classify_field("Content_Length"), known_field::other);
    EXPECT_EQ(classify_field(""), known_field::other);
}


// The eight-at-a-time scan over field values stops exactly where a byte loop does, for every
// byte value at every offset of a word (and a few words on).
TEST(FieldScan, TheValueScanStopsWhereTheByteLoopStops) {
    const auto reference_value_end = [](const std::string& s, std::size_t i) {
        for (;; ++i) {
            const auto c = static_cast<unsigned char>(s[i]);
            if ((c < 0x20 && c != '\t') || c == 0x7F) return i;
        }
    };
    for (std::size_t at = 0; at < 20; ++at) {
        for (int b = 0; b < 256; ++b) {
            // A value of 'v' (and HTABs) with byte b at `at`, then CR LF.
            std::string value(24, 'v');
            value[3] = '\t';
            value[at] = static_cast<char>(b);
            value += "\r\n";
            EXPECT_EQ(skip_field_value_bytes(value.data(), 0, value.size()), reference_value_end(value, 0))
                << "byte " << b << " at " << at;
        }
    }
}

}  // namespace
}  // namespace gangway
