// The gateway as a reverse proxy, end to end: the real binary between a raw client and a fake
// upstream, over the plain and the TLS listener.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/support/fake_upstream.hpp"
#include "tests/integration/support/gateway_process.hpp"
#include "tests/integration/support/raw_client.hpp"

namespace gangway::integration {
namespace {

using namespace std::chrono_literals;

constexpr std::uint64_t hundred_mib = 100ull * 1024 * 1024;
constexpr std::uint64_t rss_growth_limit_kib = 32 * 1024;
constexpr std::uint64_t rss_sample_every = 4 * 1024 * 1024;

// A loopback port that refuses connections for as long as this object lives: the socket is
// bound (so no one else gets the port) but never listens.
class refusing_port {
public:
    refusing_port() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof addr;
        ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
    }
    ~refusing_port() { ::close(fd_); }
    refusing_port(const refusing_port&) = delete;
    refusing_port& operator=(const refusing_port&) = delete;
    std::uint16_t port() const noexcept { return port_; }

private:
    int fd_;
    std::uint16_t port_ = 0;
};

// Field lines of a raw request head, names lower-cased, in order.
std::vector<std::pair<std::string, std::string>> fields_of(std::string_view head) {
    std::vector<std::pair<std::string, std::string>> out;
    auto pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
        pos += 2;
        auto end = head.find("\r\n", pos);
        auto line = head.substr(pos, end - pos);
        if (line.empty()) break;
        auto colon = line.find(':');
        std::string name(line.substr(0, colon));
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        out.emplace_back(std::move(name), std::string(value));
        pos = end;
    }
    return out;
}

std::vector<std::string> values_of(const std::vector<std::pair<std::string, std::string>>& fields,
                                   std::string_view lower_name) {
    std::vector<std::string> out;
    for (const auto& [n, v] : fields)
        if (n == lower_name) out.push_back(v);
    return out;
}

std::string chunked(const std::vector<std::string>& pieces) {
    std::string out;
    for (const auto& p : pieces) {
        char size[32];
        std::snprintf(size, sizeof size, "%zx", p.size());
        out += std::string(size) + "\r\n" + p + "\r\n";
    }
    return out + "0\r\n\r\n";
}

// Tracks the gateway's resident set while a transfer runs.
class rss_watch {
public:
    explicit rss_watch(const gateway_process& gw) : gw_(gw), baseline_(gw.rss_kib()) {}
    void sample() {
        peak_ = std::max(peak_, gw_.rss_kib());
        ++samples_;
    }
    std::uint64_t baseline() const noexcept { return baseline_; }
    std::uint64_t growth() const noexcept { return peak_ > baseline_ ? peak_ - baseline_ : 0; }
    std::size_t samples() const noexcept { return samples_; }

private:
    const gateway_process& gw_;
    std::uint64_t baseline_;
    std::uint64_t peak_ = 0;
    std::size_t samples_ = 0;
};

class ProxyTest : public ::testing::TestWithParam<transport> {
protected:
    // Starts the gateway in front of upstream_ unless `s` names other upstreams.
    gateway_process& start(gateway_settings s = {}) {
        if (s.upstream_ports.empty()) s.upstream_ports = {upstream_.port()};
        return gateway_.emplace(s);
    }
    gateway_process& gateway() { return gateway_ ? *gateway_ : start(); }
    raw_client connect() { return raw_client(GetParam(), gateway().port(GetParam()), ca_file()); }
    http_response fetch_one(std::string_view request) {
        return fetch(GetParam(), gateway().port(GetParam()), ca_file(), request);
    }

    // Upstream first, so the gateway (which holds connections to it) stops before it.
    fake_upstream upstream_{"a"};
    std::optional<gateway_process> gateway_;
};

TEST_P(ProxyTest, GetWithoutBodyIsProxied) {
    auto res = fetch_one(simple_request("GET", "/echo"));
    EXPECT_EQ(res.status, 200u);
    EXPECT_EQ(res.body, "");
    EXPECT_EQ(res.header("X-Upstream"), "a");
    EXPECT_TRUE(res.header("X-Request-Id").has_value());
}

TEST_P(ProxyTest, PostWithEmptyBodyIsEchoed) {
    auto res = fetch_one(simple_request("POST", "/echo"));
    EXPECT_EQ(res.status, 200u);
    EXPECT_EQ(res.body, "");
    EXPECT_EQ(res.header("Content-Length"), "0");
}

TEST_P(ProxyTest, PostWithOneKibBodyIsEchoed) {
    auto body = pattern_bytes(7, 1024);
    auto res = fetch_one(simple_request("POST", "/echo", "", body));
    EXPECT_EQ(res.status, 200u);
    EXPECT_EQ(res.body, body);
}

TEST_P(ProxyTest, ChunkedPostIsEchoed) {
    auto body = pattern_bytes(0, 1024);
    auto res = fetch_one("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n" +
                         chunked({body.substr(0, 1), body.substr(1, 500), body.substr(501)}));
    EXPECT_EQ(res.status, 200u);
    EXPECT_EQ(res.body, body);
}

TEST_P(ProxyTest, OneKibWithContentLengthIsRelayed) {
    auto res = fetch_one(simple_request("GET", "/bytes/1024?cl"));
    EXPECT_EQ(res.status, 200u);
    EXPECT_EQ(res.header("Content-Length"), "1024");
    EXPECT_EQ(res.body, pattern_bytes(0, 1024));
}

TEST_P(ProxyTest, ChunkedResponseIsRelayedChunked) {
    auto res = fetch_one(simple_request("GET", "/chunked"));
    EXPECT_EQ(res.status, 200u);
    EXPECT_TRUE(res.chunked);
    EXPECT_EQ(res.header_count("Content-Length"), 0u);
    EXPECT_EQ(res.body, fake_upstream::chunked_body);
}

TEST_P(ProxyTest, ChunkedResponseToHttp10ClientEndsWithClose) {
    auto c = connect();
    c.send("GET /chunked HTTP/1.0\r\n\r\n");
    auto res = c.read_response();
    EXPECT_EQ(res.status, 200u);
    EXPECT_FALSE(res.chunked);
    EXPECT_TRUE(res.until_close);
    EXPECT_EQ(res.body, fake_upstream::chunked_body);
}

TEST_P(ProxyTest, HeadAnswerHasNoBody) {
    auto c = connect();
    c.send(simple_request("HEAD", "/bytes/10?cl"));
    auto res = c.read_response({}, true);
    EXPECT_EQ(res.status, 200u);
    EXPECT_EQ(res.header("Content-Length"), "10");
    c.send(simple_request("GET", "/bytes/3?cl"));  // the connection is still in step
    EXPECT_EQ(c.read_response().body, "abc");
}

TEST_P(ProxyTest, NoContentAnswerIsRelayed) {
    auto c = connect();
    c.send(simple_request("GET", "/status/204"));
    EXPECT_EQ(c.read_response().status, 204u);
    c.send(simple_request("GET", "/bytes/2?cl"));
    EXPECT_EQ(c.read_response().body, "ab");
}

TEST_P(ProxyTest, HundredMibUploadStreamsInFlatMemory) {
    auto& gw = gateway();
    auto c = connect();
    // Warm up: the first exchange allocates the per-connection buffers.
    auto warm = pattern_bytes(0, 1024 * 1024);
    c.send(simple_request("POST", "/upload", "", warm));
    ASSERT_EQ(c.read_response().body, std::to_string(warm.size()));

    rss_watch rss{gw};
    c.send("POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: " +
           std::to_string(hundred_mib) + "\r\n\r\n");
    for (std::uint64_t sent = 0; sent < hundred_mib; sent += warm.size()) {
        c.send(warm);
        if (sent % rss_sample_every == 0) rss.sample();
    }
    auto res = c.read_response();
    EXPECT_EQ(res.status, 200u);
    EXPECT_EQ(res.body, std::to_string(hundred_mib));
    EXPECT_GT(rss.baseline(), 0u);
    EXPECT_GE(rss.samples(), 20u);
    EXPECT_LT(rss.growth(), rss_growth_limit_kib) << "baseline " << rss.baseline() << " KiB";
}

// Downloads 100 MiB of /bytes (with `query`), checking every byte and sampling the
// gateway's RSS every few MiB.
void download_hundred_mib(raw_client& c, const gateway_process& gw, std::string_view query) {
    c.send(simple_request("GET", "/bytes/1048576" + std::string(query)));
    ASSERT_EQ(c.read_response().body_bytes, 1048576u);

    rss_watch rss{gw};
    c.send(simple_request("GET", "/bytes/" + std::to_string(hundred_mib) + std::string(query)));
    std::uint64_t offset = 0;
    std::uint64_t next_sample = 0;
    bool pattern_ok = true;
    auto res = c.read_response([&](std::string_view piece) {
        for (char b : piece) pattern_ok = pattern_ok && b == pattern_byte(offset++);
        if (offset >= next_sample) {
            rss.sample();
            next_sample += rss_sample_every;
        }
    });
    EXPECT_EQ(res.status, 200u);
    EXPECT_EQ(res.body_bytes, hundred_mib);
    EXPECT_TRUE(pattern_ok);
    EXPECT_GT(rss.baseline(), 0u);
    EXPECT_GE(rss.samples(), 20u);
    EXPECT_LT(rss.growth(), rss_growth_limit_kib) << "baseline " << rss.baseline() << " KiB";
}

TEST_P(ProxyTest, HundredMibDownloadWithContentLengthStreamsInFlatMemory) {
    auto c = connect();
    download_hundred_mib(c, gateway(), "?cl");
}

TEST_P(ProxyTest, HundredMibChunkedDownloadStreamsInFlatMemory) {
    auto c = connect();
    download_hundred_mib(c, gateway(), "");
}

TEST_P(ProxyTest, UpstreamConnectionIsReused) {
    auto c = connect();
    for (int i = 0; i < 5; ++i) {
        c.send(simple_request("GET", "/bytes/" + std::to_string(10 + i) + "?cl"));
        auto res = c.read_response();
        ASSERT_EQ(res.status, 200u);
        EXPECT_EQ(res.body, pattern_bytes(0, 10 + i));
    }
    EXPECT_EQ(upstream_.requests_received(), 5u);
    EXPECT_EQ(upstream_.connections_accepted(), 1u);
}

TEST_P(ProxyTest, UpstreamConnectionIsReusedAcrossClientConnections) {
    for (int i = 0; i < 3; ++i) {
        auto res = fetch_one(simple_request("GET", "/bytes/4?cl"));
        ASSERT_EQ(res.status, 200u);
    }
    EXPECT_EQ(upstream_.connections_accepted(), 1u);
}

TEST_P(ProxyTest, PooledConnectionClosedByUpstreamIsNotAnError) {
    auto c = connect();
    for (int round = 0; round < 3; ++round) {
        c.send(simple_request("GET", "/vanish"));
        ASSERT_EQ(c.read_response().status, 200u);
        // The gateway pooled a connection the upstream has closed (or is closing): the next
        // bodyless request is retried on a new connection instead of failing.
        c.send(simple_request("GET", "/bytes/3?cl"));
        auto res = c.read_response();
        EXPECT_EQ(res.status, 200u);
        EXPECT_EQ(res.body, "abc");
    }
    EXPECT_EQ(upstream_.requests_received(), 6u);
}

TEST_P(ProxyTest, PipelinedRequestsAreAnsweredInOrder) {
    auto c = connect();
    c.send(simple_request("POST", "/echo", "", "first") + simple_request("GET", "/bytes/3?cl") +
           simple_request("POST", "/echo", "", "third body"));
    EXPECT_EQ(c.read_response().body, "first");
    EXPECT_EQ(c.read_response().body, "abc");
    EXPECT_EQ(c.read_response().body, "third body");
    EXPECT_EQ(upstream_.requests_received(), 3u);
}

TEST_P(ProxyTest, UpstreamDownGivesHtmlPageForPageRequests) {
    refusing_port dead;
    start(settings_for({dead.port()}));
    auto c = connect();
    c.send(simple_request("GET", "/account", "Accept: text/html\r\n"));
    auto res = c.read_response();
    EXPECT_EQ(res.status, 502u);
    EXPECT_EQ(res.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(res.body.find("<!doctype html>"), std::string::npos);
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_P(ProxyTest, UpstreamDownGivesJsonForApiRequests) {
    refusing_port dead;
    start(settings_for({dead.port()}));
    auto res = fetch_one(simple_request("GET", "/api/items", "Accept: application/json\r\n"));
    EXPECT_EQ(res.status, 502u);
    EXPECT_EQ(res.header("Content-Type"), "application/json");
    auto body = nlohmann::json::parse(res.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << res.body;
    EXPECT_EQ(body["gangway"]["action"], "error");
    EXPECT_EQ(body["gangway"]["status"], 502);
}

TEST_P(ProxyTest, SlowUpstreamGives504) {
    auto s = settings_for({upstream_.port()});
    s.upstream_response_ms = 300;
    start(s);
    auto started = std::chrono::steady_clock::now();
    auto res = fetch_one(simple_request("GET", "/slow"));
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(res.status, 504u);
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 5s);
}

TEST_P(ProxyTest, WebSocketEchoesThroughGateway) {
    auto s = settings_for({upstream_.port()});
    s.websocket_paths = {"/ws"};
    start(s);
    auto c = connect();
    c.send(simple_request("GET", "/ws",
                          "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n"));
    auto res = c.read_response();
    ASSERT_EQ(res.status, 101u);
    EXPECT_EQ(res.header("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");  // RFC 6455 1.3
    EXPECT_EQ(res.header("Upgrade"), "websocket");

    auto masked_frame = [](unsigned opcode, std::string_view payload) {
        const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
        std::string f(1, static_cast<char>(0x80 | opcode));
        if (payload.size() < 126) {
            f.push_back(static_cast<char>(0x80 | payload.size()));
        } else {
            f.push_back(static_cast<char>(0x80 | 126));
            f.push_back(static_cast<char>(payload.size() >> 8));
            f.push_back(static_cast<char>(payload.size() & 0xff));
        }
        f.append(reinterpret_cast<const char*>(mask), 4);
        for (std::size_t i = 0; i < payload.size(); ++i)
            f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
        return f;
    };
    auto read_frame = [&c] {
        auto header = c.read_exact(2);
        std::size_t length = static_cast<unsigned char>(header[1]) & 0x7f;
        if (length == 126) {
            auto ext = c.read_exact(2);
            length = (std::size_t{static_cast<unsigned char>(ext[0])} << 8) |
                     static_cast<unsigned char>(ext[1]);
        }
        return std::pair{static_cast<unsigned char>(header[0]), c.read_exact(length)};
    };

    c.send(masked_frame(1, "hello through the gateway"));
    auto [op1, text1] = read_frame();
    EXPECT_EQ(op1, 0x81);
    EXPECT_EQ(text1, "hello through the gateway");

    auto long_text = pattern_bytes(0, 300);
    c.send(masked_frame(1, long_text));
    auto [op2, text2] = read_frame();
    EXPECT_EQ(op2, 0x81);
    EXPECT_EQ(text2, long_text);

    c.send(masked_frame(8, ""));
    auto [op3, close_payload] = read_frame();
    EXPECT_EQ(op3, 0x88);
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_P(ProxyTest, WebSocketUpgradeOutsideAllowedPathsIsNotTunnelled) {
    auto c = connect();
    c.send(simple_request("GET", "/headers",
                          "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n"));
    auto res = c.read_response();
    EXPECT_EQ(res.status, 200u);
    auto fields = fields_of(res.body);
    EXPECT_TRUE(values_of(fields, "upgrade").empty()) << res.body;
    EXPECT_TRUE(values_of(fields, "connection").empty()) << res.body;
}

TEST_P(ProxyTest, UpstreamSeesRebuiltHeaders) {
    auto res = fetch_one(simple_request("GET", "/headers",
                                        "Connection: keep-alive, X-Secret-Hop\r\n"
                                        "X-Secret-Hop: dropped\r\n"
                                        "Keep-Alive: timeout=5\r\n"
                                        "Proxy-Connection: keep-alive\r\n"
                                        "TE: trailers\r\n"
                                        "Trailer: X-Checksum\r\n"
                                        "Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"
                                        "X-Forwarded-For: 203.0.113.9\r\n"
                                        "X-Forwarded-Proto: gopher\r\n"
                                        "X-Forwarded-Host: evil.example\r\n"
                                        "Forwarded: for=203.0.113.9\r\n"
                                        "X-Real-IP: 203.0.113.9\r\n"
                                        "X-Gangway-User-Id: 1\r\n"
                                        "X-Gangway-Account-Id: 2\r\n"
                                        "x-gangway-email: forged@example.com\r\n"
                                        "X-Gangway-Assertion: forged\r\n"
                                        "X-Custom: kept\r\n"));
    ASSERT_EQ(res.status, 200u);
    auto fields = fields_of(res.body);
    for (auto gone : {"connection", "x-secret-hop", "keep-alive", "proxy-connection", "te",
                      "trailer", "proxy-authorization", "forwarded", "x-real-ip",
                      "x-gangway-user-id", "x-gangway-account-id", "x-gangway-email",
                      "x-gangway-assertion", "content-length", "transfer-encoding"})
        EXPECT_TRUE(values_of(fields, gone).empty()) << gone << " reached the upstream:\n" << res.body;
    EXPECT_EQ(values_of(fields, "x-forwarded-for"), std::vector<std::string>{"127.0.0.1"});
    EXPECT_EQ(values_of(fields, "x-forwarded-proto"),
              std::vector<std::string>{GetParam() == transport::tls ? "https" : "http"});
    EXPECT_EQ(values_of(fields, "x-forwarded-host"), std::vector<std::string>{"localhost"});
    EXPECT_EQ(values_of(fields, "host"), std::vector<std::string>{"localhost"});
    EXPECT_EQ(values_of(fields, "x-custom"), std::vector<std::string>{"kept"});
    EXPECT_EQ(res.body.substr(0, res.body.find("\r\n")), "GET /headers HTTP/1.1");
}

TEST_P(ProxyTest, AbsoluteFormIsForwardedInOriginForm) {
    auto res = fetch_one("GET http://localhost/headers?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
    ASSERT_EQ(res.status, 200u);
    EXPECT_EQ(res.body.substr(0, res.body.find("\r\n")), "GET /headers?x=1 HTTP/1.1");
}

TEST_P(ProxyTest, WellFormedRequestIdIsKept) {
    auto res = fetch_one(simple_request("GET", "/headers", "X-Request-Id: client-id_42:a.b\r\n"));
    ASSERT_EQ(res.status, 200u);
    EXPECT_EQ(values_of(fields_of(res.body), "x-request-id"),
              std::vector<std::string>{"client-id_42:a.b"});
    EXPECT_EQ(res.header("X-Request-Id"), "client-id_42:a.b");
}

TEST_P(ProxyTest, MalformedRequestIdIsReplaced) {
    auto res = fetch_one(simple_request("GET", "/headers", "X-Request-Id: has spaces; and=more\r\n"));
    ASSERT_EQ(res.status, 200u);
    auto seen = values_of(fields_of(res.body), "x-request-id");
    ASSERT_EQ(seen.size(), 1u) << res.body;
    EXPECT_NE(seen[0], "has spaces; and=more");
    EXPECT_EQ(seen[0].size(), 32u);
    EXPECT_EQ(res.header("X-Request-Id"), seen[0]);
}

TEST_P(ProxyTest, MissingRequestIdIsGenerated) {
    auto res = fetch_one(simple_request("GET", "/headers"));
    ASSERT_EQ(res.status, 200u);
    auto seen = values_of(fields_of(res.body), "x-request-id");
    ASSERT_EQ(seen.size(), 1u) << res.body;
    EXPECT_EQ(res.header("X-Request-Id"), seen[0]);
}

TEST_P(ProxyTest, ContentLengthIsRegenerated) {
    auto res = fetch_one("POST /headers HTTP/1.1\r\nHost: localhost\r\nContent-Length: 005\r\n\r\nhello");
    ASSERT_EQ(res.status, 200u);
    auto fields = fields_of(res.body);
    EXPECT_EQ(values_of(fields, "content-length"), std::vector<std::string>{"5"}) << res.body;
    EXPECT_TRUE(values_of(fields, "transfer-encoding").empty());
}

TEST_P(ProxyTest, ChunkedFramingIsRegenerated) {
    auto res = fetch_one("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: CHUNKED\r\n\r\n"
                         "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    ASSERT_EQ(res.status, 200u);
    EXPECT_EQ(res.body, "hello world");
    auto received = upstream_.received();
    ASSERT_EQ(received.size(), 1u);
    auto fields = fields_of(received[0]);
    EXPECT_EQ(values_of(fields, "transfer-encoding"), std::vector<std::string>{"chunked"});
    EXPECT_TRUE(values_of(fields, "content-length").empty());
    EXPECT_EQ(received[0].find("name=value"), std::string::npos) << received[0];
}

TEST_P(ProxyTest, AccessLogHasOneJsonLinePerRequest) {
    auto& gw = gateway();
    auto res = fetch_one(simple_request("GET", "/bytes/5?secret=abc", "X-Request-Id: log-me-1\r\n"));
    ASSERT_EQ(res.status, 200u);
    nlohmann::json line;
    ASSERT_TRUE(wait_until(5s, [&] {
        auto text = gw.stdout_text();
        auto at = text.find("\"log-me-1\"");
        if (at == std::string::npos) return false;
        auto begin = text.rfind('\n', at);
        auto end = text.find('\n', at);
        line = nlohmann::json::parse(
            text.substr(begin == std::string::npos ? 0 : begin + 1, end - begin - 1), nullptr, false);
        return true;
    })) << gw.stdout_text();
    ASSERT_TRUE(line.is_object());
    EXPECT_EQ(line["status"], 200);
    EXPECT_EQ(line["method"], "GET");
    EXPECT_EQ(line["bytes_out"], 5);
    EXPECT_EQ(line["path"].get<std::string>().find("abc"), std::string::npos) << line.dump();
}

INSTANTIATE_TEST_SUITE_P(Listeners, ProxyTest, ::testing::Values(transport::plain, transport::tls),
                         [](const auto& p) { return transport_name(p.param); });

// ---- the admin listener ------------------------------------------------------------------

class AdminTest : public ::testing::Test {
protected:
    fake_upstream upstream_;
    gateway_process gateway_{settings_for({upstream_.port()})};
};

TEST_F(AdminTest, HealthzNeedsNoToken) {
    auto res = gateway_.admin("GET", "/healthz", false);
    EXPECT_EQ(res.status, 200u);
}

TEST_F(AdminTest, ReadyzIsReadyWhileServing) {
    EXPECT_EQ(gateway_.admin("GET", "/readyz", false).status, 200u);
}

TEST_F(AdminTest, MetricsRefusedWithoutToken) {
    EXPECT_EQ(gateway_.admin("GET", "/metrics", false).status, 401u);
}

TEST_F(AdminTest, MetricsRefusedWithWrongToken) {
    auto res = fetch(transport::plain, gateway_.admin_port(), {},
                     "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Authorization: Bearer not-the-token-at-all\r\n\r\n");
    EXPECT_EQ(res.status, 401u);
}

TEST_F(AdminTest, MetricsServedWithToken) {
    ASSERT_EQ(fetch(transport::plain, gateway_.plain_port(), {}, simple_request("GET", "/")).status,
              200u);
    auto res = gateway_.admin("GET", "/metrics", true);
    EXPECT_EQ(res.status, 200u);
    EXPECT_NE(res.body.find("gangway_requests_total"), std::string::npos) << res.body;
    EXPECT_NE(res.body.find("status=\"200\""), std::string::npos) << res.body;
}

}  // namespace
}  // namespace gangway::integration
