#include "gateway/auth/peer_client.hpp"

#include <stdlib.h>  // mkdtemp (POSIX)

#include <utility>

#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "common/net/tls_context.hpp"

namespace gangway {
namespace {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;
using status = peer_call_result::status;
using namespace std::chrono_literals;

constexpr std::string_view login_path = "/_gangway/peer/v1/login";

auto use_ec(beast::error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

std::string http_response(unsigned code, std::string_view body, std::string_view extra = "") {
    return "HTTP/1.1 " + std::to_string(code) +
           " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
           std::string(extra) + "\r\n" + std::string(body);
}

// ---- a small peer gateway on its own thread ---------------------------------------------------

struct seen_request {
    std::string method;
    std::string target;
    std::string host;
    std::string content_type;
    std::string connection;
    std::string sni;  // the server name the client sent, "" for none
    std::string body;
};

// What the test peer does once it has read a request.
struct scripted_reply {
    std::string bytes;                     // written as they are, then the connection closes
    bool hang = false;                     // after writing, wait until the client gives up
    std::chrono::milliseconds trickle{0};  // when set, one byte per interval
};

class test_peer {
public:
    using script = std::function<scripted_reply(const seen_request&)>;

    // tls == nullptr: plain HTTP.
    test_peer(std::shared_ptr<ssl::context> tls, script reply)
        : tls_(std::move(tls)), reply_(std::move(reply)) {
        acceptor_.open(tcp::v4());
        acceptor_.bind({net::ip::address_v4::loopback(), 0});
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        net::co_spawn(ioc_, accept_loop(), net::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~test_peer() {
        ioc_.stop();
        thread_.join();
    }
    test_peer(const test_peer&) = delete;
    test_peer& operator=(const test_peer&) = delete;

    std::uint16_t port() const { return port_; }
    std::vector<seen_request> seen() const {
        std::lock_guard lock(mutex_);
        return seen_;
    }

private:
    net::awaitable<void> accept_loop() {
        for (;;) {
            beast::error_code ec;
            auto socket = co_await acceptor_.async_accept(use_ec(ec));
            if (ec) co_return;
            net::co_spawn(ioc_, serve(std::move(socket)), net::detached);
        }
    }

    net::awaitable<void> serve(tcp::socket socket) {
        if (!tls_) {
            co_await talk(socket, "");
            co_return;
        }
        beast::ssl_stream<tcp::socket> stream(std::move(socket), *tls_);
        beast::error_code ec;
        co_await stream.async_handshake(ssl::stream_base::server, use_ec(ec));
        if (ec) co_return;  // the client refused our certificate
        const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
        co_await talk(stream, sni ? sni : "");
    }

    template <class Stream>
    net::awaitable<void> talk(Stream& stream, std::string sni) {
        beast::flat_buffer buffer;
        http::request<http::string_body> req;
        beast::error_code ec;
        co_await http::async_read(stream, buffer, req, use_ec(ec));
        if (ec) co_return;
        seen_request seen{std::string(req.method_string()),
                          std::string(req.target()),
                          std::string(req[http::field::host]),
                          std::string(req[http::field::content_type]),
                          std::string(req[http::field::connection]),
                          std::move(sni),
                          req.body()};
        {
            std::lock_guard lock(mutex_);
            seen_.push_back(seen);
        }
        auto reply = reply_(seen);
        if (reply.trickle.count() == 0) {
            co_await net::async_write(stream, net::buffer(reply.bytes), use_ec(ec));
        } else {
            // A slow peer, not a test waiting: each byte is late by `trickle`.
            net::steady_timer pause(ioc_);
            for (char c : reply.bytes) {
                co_await net::async_write(stream, net::buffer(&c, 1), use_ec(ec));
                if (ec) co_return;
                pause.expires_after(reply.trickle);
                co_await pause.async_wait(use_ec(ec));
            }
        }
        if (reply.hang) {
            char c;
            co_await stream.async_read_some(net::buffer(&c, 1), use_ec(ec));
        }
    }

    net::io_context ioc_;  // first: destroyed last, after everything that uses it
    tcp::acceptor acceptor_{ioc_};
    std::shared_ptr<ssl::context> tls_;
    script reply_;
    std::uint16_t port_ = 0;
    mutable std::mutex mutex_;
    std::vector<seen_request> seen_;
    std::thread thread_;
};

// ---- calling ------------------------------------------------------------------------------

net::awaitable<void> call_into(const peer_client& client, std::string url, std::string path,
                               std::string body, peer_call_result& out) {
    out = co_await client.post(url, path, std::move(body));
}

// One call on an io_context of its own; returns when the call and everything it started ended.
peer_call_result call(const peer_client& client, std::string url,
                      std::string path = std::string(login_path),
                      std::string body = "sealed-question") {
    net::io_context ioc;
    peer_call_result out{status::bad_response, 0, {}, "the call never finished"};
    net::co_spawn(ioc, call_into(client, std::move(url), std::move(path), std::move(body), out),
                  [](std::exception_ptr e) {
                      if (e) std::rethrow_exception(e);
                  });
    ioc.run();
    return out;
}

std::string https_url(std::string_view host, std::uint16_t port) {
    return "https://" + std::string(host) + ":" + std::to_string(port);
}

// ---- fixture: two independent dev CAs, each with its server certificates ----------------------

class PeerClient : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        std::string pattern = (fs::temp_directory_path() / "gangway-peer-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    static void TearDownTestSuite() {
        std::error_code ignored;
        fs::remove_all(dir_, ignored);
    }

    // The directory of dev CA `ca` ("a" or "b"), made by certs/make-dev-certs.sh on first use
    // (ctest runs each test in a process of its own: most never need the second CA).
    static fs::path ca_dir(const char* ca) {
        const auto out = dir_ / ca;
        if (fs::exists(out / "ca.crt")) return out;
        const char* source_dir = std::getenv("GANGWAY_SOURCE_DIR");
        const fs::path root =
            source_dir ? fs::path(source_dir) : fs::path(__FILE__).parent_path() / "../..";
        const std::string command = "bash '" + (root / "certs/make-dev-certs.sh").string() + "' '" +
                                    out.string() + "' >/dev/null";
        if (std::system(command.c_str()) != 0)
            throw std::runtime_error(command +
                                     " failed (set GANGWAY_SOURCE_DIR to the repository root)");
        return out;
    }
    // The CA certificate of dev CA `ca`.
    static std::string ca_file(const char* ca) { return (ca_dir(ca) / "ca.crt").string(); }
    // A server context presenting `name`'s certificate from dev CA `ca`.
    static std::shared_ptr<ssl::context> server_tls(const char* ca, const char* name) {
        const auto base = ca_dir(ca) / name;
        return make_server_tls_context(base.string() + ".crt", base.string() + ".key");
    }

    static inline fs::path dir_;
};

// ---- calls that succeed -----------------------------------------------------------------------

TEST_F(PeerClient, GoodCallReturnsStatusAndBodyAndSendsTheSealedPost) {
    test_peer peer(server_tls("a", "legacy.localhost"), [](const seen_request&) {
        return scripted_reply{http_response(200, "sealed-answer")};
    });
    const peer_client client(ca_file("a"), 2s);
    // legacy.localhost does not resolve here: reaching it proves the RFC 6761 loopback rule.
    auto r = call(client, https_url("legacy.localhost", peer.port()));
    ASSERT_EQ(r.what, status::ok) << r.detail;
    EXPECT_EQ(r.http_status, 200u);
    EXPECT_EQ(r.body, "sealed-answer");
    EXPECT_TRUE(r.detail.empty());

    auto seen = peer.seen();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].method, "POST");
    EXPECT_EQ(seen[0].target, login_path);
    EXPECT_EQ(seen[0].host, "legacy.localhost:" + std::to_string(peer.port()));
    EXPECT_EQ(seen[0].body, "sealed-question");
    EXPECT_EQ(seen[0].content_type, peer_body_content_type);
    EXPECT_EQ(seen[0].connection, "close");
    EXPECT_EQ(seen[0].sni, "legacy.localhost");
}

TEST_F(PeerClient, KeepsTheBaseUrlsPathPrefix) {
    test_peer peer(server_tls("a", "legacy.localhost"),
                   [](const seen_request&) { return scripted_reply{http_response(200, "")}; });
    const peer_client client(ca_file("a"), 2s);
    auto r = call(client, https_url("legacy.localhost", peer.port()) + "/gw/");
    ASSERT_EQ(r.what, status::ok) << r.detail;
    EXPECT_EQ(r.body, "");
    ASSERT_EQ(peer.seen().size(), 1u);
    EXPECT_EQ(peer.seen()[0].target, "/gw/_gangway/peer/v1/login");
}

TEST_F(PeerClient, IpAddressHostIsCheckedAgainstTheCertificatesAddressWithoutSni) {
    test_peer peer(server_tls("a", "localhost"),
                   [](const seen_request&) { return scripted_reply{http_response(200, "x")}; });
    const peer_client client(ca_file("a"), 2s);
    auto r = call(client, https_url("127.0.0.1", peer.port()));
    ASSERT_EQ(r.what, status::ok) << r.detail;
    ASSERT_EQ(peer.seen().size(), 1u);
    EXPECT_EQ(peer.seen()[0].host, "127.0.0.1:" + std::to_string(peer.port()));
    EXPECT_EQ(peer.seen()[0].sni, "");
}

TEST_F(PeerClient, ChunkedResponseIsRead) {
    test_peer peer(server_tls("a", "legacy.localhost"), [](const seen_request&) {
        return scripted_reply{
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            "7\r\nsealed-\r\n6\r\nanswer\r\n0\r\n\r\n"};
    });
    const peer_client client(ca_file("a"), 2s);
    auto r = call(client, https_url("legacy.localhost", peer.port()));
    ASSERT_EQ(r.what, status::ok) << r.detail;
    EXPECT_EQ(r.body, "sealed-answer");
}

TEST_F(PeerClient, RedirectsAndErrorsAreReturnedNotFollowed) {
    test_peer peer(server_tls("a", "legacy.localhost"), [](const seen_request& req) {
        if (req.target == "/a") return scripted_reply{http_response(302, "", "Location: /b\r\n")};
        return scripted_reply{http_response(503, "later")};
    });
    const peer_client client(ca_file("a"), 2s);
    auto r = call(client, https_url("legacy.localhost", peer.port()), "/a");
    ASSERT_EQ(r.what, status::ok) << r.detail;
    EXPECT_EQ(r.http_status, 302u);
    EXPECT_EQ(peer.seen().size(), 1u);
    r = call(client, https_url("legacy.localhost", peer.port()), "/c");
    ASSERT_EQ(r.what, status::ok) << r.detail;
    EXPECT_EQ(r.http_status, 503u);
    EXPECT_EQ(r.body, "later");
}

TEST_F(PeerClient, PlainHttpToALocalhostNameConnectsToLoopback) {
    test_peer peer(nullptr,
                   [](const seen_request&) { return scripted_reply{http_response(200, "plain")}; });
    const peer_client client(ca_file("a"), 2s);
    auto r = call(client, "http://x.localhost:" + std::to_string(peer.port()));
    ASSERT_EQ(r.what, status::ok) << r.detail;
    EXPECT_EQ(r.body, "plain");
    ASSERT_EQ(peer.seen().size(), 1u);
    EXPECT_EQ(peer.seen()[0].host, "x.localhost:" + std::to_string(peer.port()));
}

TEST_F(PeerClient, ConcurrentCallsFromSeveralThreadsShareOneClient) {
    test_peer peer(server_tls("a", "legacy.localhost"), [](const seen_request& req) {
        return scripted_reply{http_response(200, "re:" + req.body)};
    });
    const peer_client client(ca_file("a"), 5s);
    constexpr int calls = 8;
    std::vector<peer_call_result> results(calls);
    net::io_context ioc;  // no strand: the client must cope with a multi-threaded executor
    for (int i = 0; i < calls; ++i)
        net::co_spawn(ioc,
                      call_into(client, https_url("legacy.localhost", peer.port()),
                                std::string(login_path), "q" + std::to_string(i), results[i]),
                      [](std::exception_ptr e) {
                          if (e) std::rethrow_exception(e);
                      });
    std::thread other([&ioc] { ioc.run(); });
    ioc.run();
    other.join();
    for (int i = 0; i < calls; ++i) {
        ASSERT_EQ(results[i].what, status::ok) << i << ": " << results[i].detail;
        EXPECT_EQ(results[i].body, "re:q" + std::to_string(i));
    }
    EXPECT_EQ(peer.seen().size(), static_cast<std::size_t>(calls));
}

// ---- certificates that are refused --------------------------------------------------------------

TEST_F(PeerClient, CertificateForAnotherNameIsRefused) {
    test_peer peer(server_tls("a", "new.localhost"),
                   [](const seen_request&) { return scripted_reply{http_response(200, "no")}; });
    const peer_client client(ca_file("a"), 2s);
    auto r = call(client, https_url("legacy.localhost", peer.port()));
    EXPECT_EQ(r.what, status::tls_failed);
    EXPECT_NE(r.detail.find("hostname mismatch"), std::string::npos) << r.detail;
    EXPECT_TRUE(r.body.empty());
    EXPECT_TRUE(peer.seen().empty());
}

TEST_F(PeerClient, CertificateFromAnUnknownCaIsRefused) {
    test_peer peer(server_tls("b", "legacy.localhost"),
                   [](const seen_request&) { return scripted_reply{http_response(200, "no")}; });
    const peer_client client(ca_file("a"), 2s);
    auto r = call(client, https_url("legacy.localhost", peer.port()));
    EXPECT_EQ(r.what, status::tls_failed);
    EXPECT_NE(r.detail.find("certificate refused"), std::string::npos) << r.detail;
    EXPECT_TRUE(peer.seen().empty());
}

TEST_F(PeerClient, SystemTrustStoreDoesNotTrustTheDevCa) {
    test_peer peer(server_tls("a", "legacy.localhost"),
                   [](const seen_request&) { return scripted_reply{http_response(200, "no")}; });
    const peer_client client("", 2s);
    auto r = call(client, https_url("legacy.localhost", peer.port()));
    EXPECT_EQ(r.what, status::tls_failed) << r.detail;
    EXPECT_TRUE(peer.seen().empty());
}

TEST_F(PeerClient, UnloadableCaFileThrowsNamingIt) {
    const auto missing = (dir_ / "missing.pem").string();
    try {
        peer_client client(missing);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    }
    const auto junk = (dir_ / "junk.pem").string();
    std::ofstream(junk) << "not a certificate\n";
    EXPECT_THROW(peer_client client(junk), std::runtime_error);
    EXPECT_THROW(peer_client client("", 0ms), std::invalid_argument);
}

// ---- deadlines and bounds --------------------------------------------------------------------

TEST_F(PeerClient, PeerThatNeverAnswersTimesOutWithinTheDeadline) {
    test_peer peer(server_tls("a", "legacy.localhost"), [](const seen_request&) {
        return scripted_reply{"", true};
    });
    const peer_client client(ca_file("a"), 250ms);
    const auto started = std::chrono::steady_clock::now();
    auto r = call(client, https_url("legacy.localhost", peer.port()));
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(r.what, status::timeout) << r.detail;
    EXPECT_GE(took, 240ms);
    EXPECT_LT(took, 2s);
    EXPECT_EQ(peer.seen().size(), 1u);  // it did get the request
}

TEST_F(PeerClient, ListenerThatNeverHandshakesTimesOut) {
    net::io_context ioc;
    tcp::acceptor silent(ioc, {net::ip::address_v4::loopback(), 0});  // listens, never accepts
    const peer_client client(ca_file("a"), 200ms);
    auto r = call(client, https_url("legacy.localhost", silent.local_endpoint().port()));
    EXPECT_EQ(r.what, status::timeout) << r.detail;
    EXPECT_NE(r.detail.find("handshake"), std::string::npos) << r.detail;
}

TEST_F(PeerClient, OneDeadlineCoversTheWholeCallNotEachRead) {
    // Each byte comes well within any per-read timeout; all of them would take 2 s.
    test_peer peer(server_tls("a", "legacy.localhost"), [](const seen_request&) {
        return scripted_reply{http_response(200, std::string(100, 'x')), false, 20ms};
    });
    const peer_client client(ca_file("a"), 300ms);
    const auto started = std::chrono::steady_clock::now();
    auto r = call(client, https_url("legacy.localhost", peer.port()));
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(r.what, status::timeout) << r.detail;
    EXPECT_LT(took, 1500ms);
}

TEST_F(PeerClient, ResponseLargerThanTheBoundIsTooLarge) {
    test_peer peer(server_tls("a", "legacy.localhost"), [](const seen_request& req) {
        if (req.target == "/exact")
            return scripted_reply{http_response(200, std::string(1024, 'e'))};
        if (req.target == "/length")
            return scripted_reply{http_response(200, std::string(4096, 'l'))};
        std::string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (int i = 0; i < 8; ++i) chunked += "200\r\n" + std::string(512, 'c') + "\r\n";
        return scripted_reply{chunked + "0\r\n\r\n"};
    });
    const peer_client client(ca_file("a"), 2s, 1024);
    const auto url = https_url("legacy.localhost", peer.port());
    auto r = call(client, url, "/exact");
    ASSERT_EQ(r.what, status::ok) << r.detail;
    EXPECT_EQ(r.body.size(), 1024u);
    r = call(client, url, "/length");
    EXPECT_EQ(r.what, status::too_large) << r.detail;
    EXPECT_TRUE(r.body.empty());
    r = call(client, url, "/chunked");
    EXPECT_EQ(r.what, status::too_large) << r.detail;
}

// ---- failures ------------------------------------------------------------------------------

TEST_F(PeerClient, RefusedConnectionIsConnectFailed) {
    std::uint16_t port = 0;
    {
        net::io_context ioc;
        tcp::acceptor probe(ioc, {net::ip::address_v4::loopback(), 0});
        port = probe.local_endpoint().port();
    }  // closed: nothing listens there now
    const peer_client client(ca_file("a"), 2s);
    auto r = call(client, https_url("legacy.localhost", port));
    EXPECT_EQ(r.what, status::connect_failed) << r.detail;
}

// The one test that asks the resolver: .invalid never resolves (RFC 6761 §6.4). Where DNS
// answers slowly this is a timeout instead, which the deadline reports just the same.
TEST_F(PeerClient, NameThatDoesNotResolveFails) {
    const peer_client client("", 2s);
    auto r = call(client, "https://no-such-peer.invalid:1");
    EXPECT_TRUE(r.what == status::connect_failed || r.what == status::timeout)
        << peer_call_status_name(r.what) << ": " << r.detail;
}

TEST_F(PeerClient, MalformedOrUnframedResponsesAreBadResponses) {
    test_peer peer(server_tls("a", "legacy.localhost"), [](const seen_request& req) {
        if (req.target == "/garbage") return scripted_reply{"SSH-2.0-OpenSSH\r\n\r\n"};
        if (req.target == "/unframed")
            return scripted_reply{"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close"};
        return scripted_reply{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\ncut short"};
    });
    const peer_client client(ca_file("a"), 2s);
    const auto url = https_url("legacy.localhost", peer.port());
    for (const char* path : {"/garbage", "/unframed", "/short"}) {
        auto r = call(client, url, path);
        EXPECT_EQ(r.what, status::bad_response) << path << ": " << r.detail;
        EXPECT_TRUE(r.body.empty()) << path;
    }
}

TEST_F(PeerClient, MalformedUrlsAreBadUrlWithoutAnyIo) {
    const peer_client client("", 2s);
    for (const char* url : {"",
                            "peer.example",
                            "ftp://peer.example",
                            "https://",
                            "https:///path",
                            "https://:443",
                            "https://peer.example:",
                            "https://peer.example:0",
                            "https://peer.example:65536",
                            "https://peer.example:44x",
                            "https://peer.example:443:1",
                            "https://user@peer.example",
                            "https://peer.example?x=1",
                            "https://peer.example/a#b",
                            "https://peer example",
                            "https://peer.example\r\nX: y",
                            "https://[::1",
                            "https://[::1]x",
                            "https://[peer]",
                            "https://-peer.example",
                            "https://peer..example",
                            "https://peer_example",
                            "http://peer.example",
                            "http://10.0.0.1:8080",
                            "HTTPS://peer.example"}) {
        auto r = call(client, url);
        EXPECT_EQ(r.what, status::bad_url) << "'" << url << "'";
        EXPECT_FALSE(r.detail.empty()) << url;
    }
    for (const char* path : {"", "relative", "/a b", "/a\r\nX: y", "/a#frag"}) {
        auto r = call(client, "https://peer.example", path);
        EXPECT_EQ(r.what, status::bad_url) << "'" << path << "'";
    }
}

TEST(PeerTarget, ParsesHostPortPrefixAndHostHeader) {
    struct row {
        std::string_view url;
        bool tls;
        std::string_view host;
        std::uint16_t port;
        std::string_view host_header;
        std::string_view target;
        bool loopback_name;
    };
    for (const auto& c : std::vector<row>{
             {"https://peer.example", true, "peer.example", 443, "peer.example", "/p", false},
             {"https://Peer.Example:443/", true, "peer.example", 443, "peer.example", "/p", false},
             {"https://peer.example:8443/gw", true, "peer.example", 8443, "peer.example:8443",
              "/gw/p", false},
             {"https://10.0.2.15:8443", true, "10.0.2.15", 8443, "10.0.2.15:8443", "/p", false},
             {"https://[2001:db8::1]:8443/", true, "2001:db8::1", 8443, "[2001:db8::1]:8443", "/p",
              false},
             {"https://new.localhost:9443", true, "new.localhost", 9443, "new.localhost:9443", "/p",
              true},
             {"http://localhost", false, "localhost", 80, "localhost", "/p", true},
             {"http://127.0.0.1:8080/x//", false, "127.0.0.1", 8080, "127.0.0.1:8080", "/x/p",
              false},
             {"http://[::1]:8080", false, "::1", 8080, "[::1]:8080", "/p", false},
         }) {
        auto parsed = parse_peer_target(c.url, "/p");
        const auto* t = std::get_if<peer_target>(&parsed);
        ASSERT_NE(t, nullptr) << c.url << ": " << std::get<std::string>(parsed);
        EXPECT_EQ(t->tls, c.tls) << c.url;
        EXPECT_EQ(t->host, c.host) << c.url;
        EXPECT_EQ(t->port, c.port) << c.url;
        EXPECT_EQ(t->host_header, c.host_header) << c.url;
        EXPECT_EQ(t->target, c.target) << c.url;
        EXPECT_EQ(t->loopback_name, c.loopback_name) << c.url;
    }
    // "localhost" is a whole label: "notlocalhost" is an ordinary name, and needs https.
    auto parsed = parse_peer_target("http://notlocalhost", "/p");
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed));
    EXPECT_EQ(std::get<std::string>(parsed), "http:// only for loopback hosts; use https://");
}

TEST(PeerTarget, StatusNamesAreTheCounterNames) {
    EXPECT_EQ(peer_call_status_name(status::ok), "ok");
    EXPECT_EQ(peer_call_status_name(status::bad_url), "bad_url");
    EXPECT_EQ(peer_call_status_name(status::connect_failed), "connect_failed");
    EXPECT_EQ(peer_call_status_name(status::tls_failed), "tls_failed");
    EXPECT_EQ(peer_call_status_name(status::timeout), "timeout");
    EXPECT_EQ(peer_call_status_name(status::bad_response), "bad_response");
    EXPECT_EQ(peer_call_status_name(status::too_large), "too_large");
}

}  // namespace
}  // namespace gangway
