// Malformed and ambiguous requests against the real gateway: each must be answered 400 with
// the connection closed, and must reach the upstream not at all (no connection, no byte).
// A few valid-but-unusual requests are the control group: they must be proxied.
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/support/fake_upstream.hpp"
#include "tests/integration/support/gateway_process.hpp"
#include "tests/integration/support/raw_client.hpp"

namespace gangway::integration {
namespace {

using namespace std::string_literals;

// The limits the oversized cases are measured against.
constexpr std::size_t max_header_bytes = 4096;
constexpr std::size_t max_header_count = 20;
constexpr std::size_t max_url_bytes = 256;

gateway_settings strict_settings(std::uint16_t upstream_port) {
    auto s = settings_for({upstream_port});
    s.extra["limits"] = {"max_header_bytes = " + std::to_string(max_header_bytes),
                         "max_header_count = " + std::to_string(max_header_count),
                         "max_url_bytes = " + std::to_string(max_url_bytes),
                         "max_body_bytes = 1048576"};
    return s;
}

struct raw_case {
    std::string name;   // PascalCase, becomes part of the test name
    std::string bytes;  // sent in one write
};

void PrintTo(const raw_case& c, std::ostream* os) { *os << c.name; }

const std::string host = "Host: localhost\r\n";

// "GET / HTTP/1.1", the given field lines, the empty line.
std::string get_with(std::string_view fields) { return "GET / HTTP/1.1\r\n"s + std::string(fields) + "\r\n"; }

// A POST to /upload with Host, the given field lines, the empty line and `body`.
std::string post_with(std::string_view fields, std::string_view body = "hello") {
    return "POST /upload HTTP/1.1\r\n" + host + std::string(fields) + "\r\n" + std::string(body);
}

std::string chunked_post(std::string_view body) {
    return post_with("Transfer-Encoding: chunked\r\n", body);
}

std::vector<raw_case> malformed_cases() {
    std::string many_fields = host;
    for (std::size_t i = 0; i < max_header_count + 5; ++i)
        many_fields += "X-Field-" + std::to_string(i) + ": v\r\n";
    return {
        // ---- Content-Length and Transfer-Encoding together or ambiguous ----------------------
        {"ContentLengthThenTransferEncoding",
         post_with("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")},
        {"TransferEncodingThenContentLength",
         post_with("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n")},
        {"DuplicateContentLengthEqual", post_with("Content-Length: 5\r\nContent-Length: 5\r\n")},
        {"DuplicateContentLengthDifferent", post_with("Content-Length: 5\r\nContent-Length: 6\r\n")},
        {"ContentLengthPlusSign", post_with("Content-Length: +5\r\n")},
        {"ContentLengthMinusSign", post_with("Content-Length: -5\r\n")},
        {"ContentLengthHex", post_with("Content-Length: 0x5\r\n")},
        {"ContentLengthOverflow", post_with("Content-Length: 184467440737095516160\r\n")},
        {"ContentLengthList", post_with("Content-Length: 5, 5\r\n")},
        {"ContentLengthEmpty", post_with("Content-Length: \r\n")},
        {"ContentLengthInnerSpace", post_with("Content-Length: 5 5\r\n")},
        {"ContentLengthUnderscoreAlias", post_with("Content_Length: 5\r\n")},
        // ---- Transfer-Encoding other than exactly one final chunked --------------------------
        {"TransferEncodingGzipChunked", post_with("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n")},
        {"TransferEncodingChunkedChunked",
         post_with("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n")},
        {"TransferEncodingChunkedThenGzip",
         post_with("Transfer-Encoding: chunked, gzip\r\n", "0\r\n\r\n")},
        {"TransferEncodingXchunked", post_with("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n")},
        {"TransferEncodingChunkedTrailingComma",
         post_with("Transfer-Encoding: chunked,\r\n", "0\r\n\r\n")},
        {"TransferEncodingQuotedChunked",
         post_with("Transfer-Encoding: \"chunked\"\r\n", "0\r\n\r\n")},
        {"TransferEncodingChunkedVerticalTab",
         post_with("Transfer-Encoding: chunked\x0b\r\n", "0\r\n\r\n")},
        {"TransferEncodingChunkedWithParameter",
         post_with("Transfer-Encoding: chunked;q=1\r\n", "0\r\n\r\n")},
        {"TransferEncodingIdentity", post_with("Transfer-Encoding: identity\r\n")},
        {"TwoTransferEncodingFields",
         post_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")},
        {"TransferEncodingOnHttp10",
         "POST /upload HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
        {"TransferEncodingUnderscoreAlias",
         post_with("Transfer_Encoding: chunked\r\n", "0\r\n\r\n")},
        // ---- line structure -------------------------------------------------------------------
        {"ObsFold", get_with(host + "X-Folded: first\r\n second\r\n")},
        {"ObsFoldOnTransferEncoding",
         post_with("Transfer-Encoding:\r\n chunked\r\n", "0\r\n\r\n")},
        {"LeadingWhitespaceOnFirstField", "GET / HTTP/1.1\r\n Host: localhost\r\n\r\n"},
        {"BareCrInValue", get_with(host + "X-A: one\rtwo\r\n")},
        {"BareCrInRequestLine", "GET /\r HTTP/1.1\r\n" + host + "\r\n"},
        {"BareLfAfterField", "GET / HTTP/1.1\r\nHost: localhost\nX-A: b\r\n\r\n"},
        {"BareLfRequestLine", "GET / HTTP/1.1\nHost: localhost\r\n\r\n"},
        {"BareLfOnly", "GET / HTTP/1.1\nHost: localhost\n\n"},
        {"NulInValue", get_with(host + "X-A: a\0b\r\n"s)},
        {"ControlByteInValue", get_with(host + "X-A: a\x01z\r\n")},
        {"DelInValue", get_with(host + "X-A: a\x7fz\r\n")},
        {"EscapeInHost", get_with("Host: local\x1bhost\r\n")},
        {"SpaceBeforeColon", get_with(host + "X-A : b\r\n")},
        {"SpaceBeforeColonOnContentLength", post_with("Content-Length : 5\r\n")},
        {"TabBeforeColon", get_with(host + "X-A\t: b\r\n")},
        {"SpaceInsideHeaderName", get_with(host + "X A: b\r\n")},
        {"InvalidByteInHeaderName", get_with(host + "X@A: b\r\n")},
        {"EmptyHeaderName", get_with(host + ": b\r\n")},
        {"HeaderLineWithoutColon", get_with(host + "garbage without a colon\r\n")},
        {"NonAsciiHeaderName", get_with(host + "X-\xc3\xa9: b\r\n")},
        {"EmptyLineBeforeRequestLine", "\r\nGET / HTTP/1.1\r\n" + host + "\r\n"},
        // ---- Host ------------------------------------------------------------------------------
        {"MissingHostOnHttp11", get_with("X-A: b\r\n")},
        {"DuplicateHost", get_with(host + host)},
        {"DuplicateHostDifferent", get_with(host + "Host: evil.example\r\n")},
        {"HostWithPath", get_with("Host: localhost/evil\r\n")},
        {"HostWithUserinfo", get_with("Host: user@localhost\r\n")},
        {"HostWithBadPort", get_with("Host: localhost:99999\r\n")},
        {"HostList", get_with("Host: localhost, evil.example\r\n")},
        // ---- request line ----------------------------------------------------------------------
        {"AbsoluteFormForeignHost", "GET http://evil.example/ HTTP/1.1\r\n" + host + "\r\n"},
        {"AbsoluteFormForeignPort", "GET http://localhost:8081/ HTTP/1.1\r\n" + host + "\r\n"},
        {"AbsoluteFormOtherScheme", "GET ftp://localhost/ HTTP/1.1\r\n" + host + "\r\n"},
        {"ConnectMethod", "CONNECT localhost:443 HTTP/1.1\r\n" + host + "\r\n"},
        {"ConnectMethodLowerCase", "connect localhost:443 HTTP/1.1\r\n" + host + "\r\n"},
        {"AsteriskForGet", "GET * HTTP/1.1\r\n" + host + "\r\n"},
        {"VersionHttp2", "GET / HTTP/2.0\r\n" + host + "\r\n"},
        {"VersionHttp12", "GET / HTTP/1.2\r\n" + host + "\r\n"},
        {"VersionLowerCase", "GET / http/1.1\r\n" + host + "\r\n"},
        {"VersionMissing", "GET /\r\n" + host + "\r\n"},
        {"VersionGarbage", "GET / HTTX/1.1\r\n" + host + "\r\n"},
        {"DoubleSpaceInRequestLine", "GET  / HTTP/1.1\r\n" + host + "\r\n"},
        {"TabInRequestLine", "GET\t/ HTTP/1.1\r\n" + host + "\r\n"},
        {"SpaceInTarget", "GET /a b HTTP/1.1\r\n" + host + "\r\n"},
        {"FragmentInTarget", "GET /a#b HTTP/1.1\r\n" + host + "\r\n"},
        {"BadPercentEncoding", "GET /a%zz HTTP/1.1\r\n" + host + "\r\n"},
        {"InvalidMethodByte", "G(T / HTTP/1.1\r\n" + host + "\r\n"},
        {"BinaryGarbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"s},
        // ---- limits ----------------------------------------------------------------------------
        {"OversizedHeaderBlock",
         get_with(host + "X-Big: " + std::string(max_header_bytes + 512, 'a') + "\r\n")},
        {"OversizedHeaderBlockWithoutEnd",
         "GET / HTTP/1.1\r\n" + host + "X-Big: " + std::string(max_header_bytes * 2, 'a')},
        {"TooManyHeaders", get_with(many_fields)},
        {"TooLongUrl", "GET /" + std::string(max_url_bytes + 10, 'u') + " HTTP/1.1\r\n" + host + "\r\n"},
        // ---- chunked body abuse: the head is valid, the body framing is not ------------------
        {"ChunkSizeNotHex", chunked_post("zz\r\nhello\r\n0\r\n\r\n")},
        {"ChunkSizeOverflow", chunked_post("ffffffffffffffffff\r\nhello\r\n0\r\n\r\n")},
        {"ChunkSizeNegative", chunked_post("-5\r\nhello\r\n0\r\n\r\n")},
        {"ChunkSizeEmpty", chunked_post("\r\nhello\r\n0\r\n\r\n")},
        {"ChunkDataWithoutCrlf", chunked_post("5\r\nhelloXX0\r\n\r\n")},
        {"ChunkDataLongerThanSize", chunked_post("3\r\nhello\r\n0\r\n\r\n")},
        {"ChunkSizeBareLf", chunked_post("5\nhello\r\n0\r\n\r\n")},
        {"ChunkSizeWithSpaceInside", chunked_post("5 5\r\nhello\r\n0\r\n\r\n")},
        // ---- a valid start, then garbage --------------------------------------------------------
        {"ValidRequestLineThenGarbage", "GET / HTTP/1.1\r\n\x01\x02\x03garbage\r\n\r\n"},
        {"ValidHeadersThenGarbageLine", get_with(host + "X-Ok: yes\r\n\xff\xfe\xfd\r\n")},
    };
}

// Each case gets its own upstream and gateway, so "the upstream saw nothing" is about this
// case alone and no case can leave state (a pooled connection, a half-read body) behind.
class MalformedInputTest
    : public ::testing::TestWithParam<std::tuple<raw_case, transport>> {
protected:
    fake_upstream upstream_{"never"};
    gateway_process gateway_{strict_settings(upstream_.port())};
};

TEST_P(MalformedInputTest, RefusedWith400AndClosedBeforeUpstream) {
    const auto& [c, t] = GetParam();
    raw_client client{t, gateway_.port(t), ca_file()};
    client.try_send(c.bytes);  // the gateway may answer and close before taking every byte
    std::optional<http_response> res;
    try {
        res = client.read_response();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "no response: " << e.what();
    }
    if (res) {
        EXPECT_EQ(res->status, 400u);
        EXPECT_EQ(res->header("Connection"), "close");
    }
    EXPECT_TRUE(client.closed_by_peer()) << "the gateway kept the connection open";
    EXPECT_TRUE(upstream_.wait_quiet(std::chrono::seconds(2)))
        << "the gateway holds a connection to the upstream";
    EXPECT_EQ(upstream_.connections_accepted(), 0u);
    EXPECT_EQ(upstream_.bytes_received(), 0u);
    for (const auto& bytes : upstream_.received()) ADD_FAILURE() << "upstream received:\n" << bytes;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedInputTest,
    ::testing::Combine(::testing::ValuesIn(malformed_cases()),
                       ::testing::Values(transport::plain, transport::tls)),
    [](const auto& p) {
        return std::get<0>(p.param).name + transport_name(std::get<1>(p.param));
    });

// ---- a body larger than max_body_bytes: refused before the upstream ----------------------

TEST(MalformedInputLimitsTest, DeclaredBodyOverLimitIsRefusedBeforeUpstream) {
    fake_upstream upstream{"never"};
    gateway_process gateway{strict_settings(upstream.port())};
    raw_client client{transport::plain, gateway.plain_port()};
    client.try_send(post_with("Content-Length: 2097152\r\n", std::string(4096, 'x')));
    auto res = client.read_response();
    EXPECT_TRUE(res.status == 400u || res.status == 413u) << res.status;
    EXPECT_TRUE(client.closed_by_peer());
    EXPECT_TRUE(upstream.wait_quiet(std::chrono::seconds(2)));
    EXPECT_EQ(upstream.connections_accepted(), 0u);
}

TEST(MalformedInputLimitsTest, ChunkedBodyOverLimitIsRefused) {
    fake_upstream upstream{"small"};
    gateway_process gateway{strict_settings(upstream.port())};
    raw_client client{transport::plain, gateway.plain_port()};
    client.try_send(chunked_post("200000\r\n" + std::string(4096, 'x')));  // a 2 MiB chunk
    auto res = client.read_response();
    EXPECT_EQ(res.status, 413u);
    EXPECT_TRUE(client.closed_by_peer());
    EXPECT_TRUE(upstream.wait_quiet(std::chrono::seconds(2)));
    EXPECT_EQ(upstream.bytes_received(), 0u);
}

// ---- a valid request, then garbage on the same connection ----------------------------------

TEST(MalformedPipelineTest, GarbageAfterValidRequestIsRefusedAfterItsAnswer) {
    fake_upstream upstream;
    gateway_process gateway{strict_settings(upstream.port())};
    raw_client client{transport::plain, gateway.plain_port()};
    client.send(get_with(host) + "\x01\x02 not http at all\r\n\r\n");
    auto first = client.read_response();
    EXPECT_EQ(first.status, 200u);
    EXPECT_EQ(first.body, "ok");
    auto second = client.read_response();
    EXPECT_EQ(second.status, 400u);
    EXPECT_TRUE(client.closed_by_peer());
    EXPECT_EQ(upstream.requests_received(), 1u);
}

// ---- valid but unusual: must be proxied ----------------------------------------------------

struct control_case {
    std::string name;
    std::string bytes;
    std::string expected_body;
};

void PrintTo(const control_case& c, std::ostream* os) { *os << c.name; }

std::vector<control_case> control_cases() {
    return {
        {"ChunkedBody", chunked_post("5\r\nhello\r\n0\r\n\r\n"), "5"},
        {"ChunkedBodyWithExtensionAndTrailer",
         chunked_post("5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n"), "5"},
        {"ChunkedUpperCase", post_with("Transfer-Encoding: CHUNKED\r\n", "3\r\nabc\r\n0\r\n\r\n"),
         "3"},
        {"ContentLengthLeadingZeros", post_with("Content-Length: 005\r\n"), "5"},
        {"ContentLengthWithSpaces", post_with("Content-Length:   5  \r\n"), "5"},
        {"Http10WithoutHost", "GET / HTTP/1.0\r\n\r\n", "ok"},
        {"Http10PostWithContentLength", "POST /upload HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc",
         "3"},
        {"AbsoluteFormMatchingHost", "GET http://localhost/ HTTP/1.1\r\n" + host + "\r\n", "ok"},
        {"AbsoluteFormMatchingHostAndPort",
         "GET http://localhost:80/ HTTP/1.1\r\nHost: LOCALHOST\r\n\r\n", "ok"},
        {"OptionsAsterisk", "OPTIONS * HTTP/1.1\r\n" + host + "\r\n", "ok"},
        {"HostWithPort", get_with("Host: localhost:8443\r\n"), "ok"},
        {"HostIpv6Literal", get_with("Host: [::1]:8443\r\n"), "ok"},
        {"LowerCaseHeaderNames", "GET / HTTP/1.1\r\nhost: localhost\r\nx-a: b\r\n\r\n", "ok"},
        {"EmptyHeaderValue", get_with(host + "X-Empty:\r\n"), "ok"},
        {"ObsTextInValue", get_with(host + "X-Name: caf\xc3\xa9\r\n"), "ok"},
        {"PercentEncodedTarget", "GET /%2e%2E/ HTTP/1.1\r\n" + host + "\r\n", "not found"},
        {"HeaderCountAtLimit", [] {
             std::string fields = host;
             for (std::size_t i = 1; i < max_header_count; ++i)
                 fields += "X-F" + std::to_string(i) + ": v\r\n";
             return get_with(fields);
         }(), "ok"},
    };
}

class ValidOddInputTest : public ::testing::TestWithParam<control_case> {
protected:
    fake_upstream upstream_;
    gateway_process gateway_{strict_settings(upstream_.port())};
};

TEST_P(ValidOddInputTest, IsProxied) {
    const auto& c = GetParam();
    raw_client client{transport::plain, gateway_.plain_port()};
    client.send(c.bytes);
    auto res = client.read_response();
    EXPECT_EQ(res.header("X-Upstream"), "upstream") << res.status << " " << res.body;
    EXPECT_EQ(res.body, c.expected_body);
    EXPECT_EQ(upstream_.requests_received(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Cases, ValidOddInputTest, ::testing::ValuesIn(control_cases()),
                         [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace gangway::integration
