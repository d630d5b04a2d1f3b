#include "gateway/proxy/upstream_request.hpp"

#include <string>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <gtest/gtest.h>

#include "gateway/server/request_head_check.hpp"

namespace gangway {
namespace {
namespace http = boost::beast::http;

// The tests write heads with the proxy's writers and read them back with Beast's parser, so
// what they assert is what an upstream (or a client) would parse.
std::string client_head(std::string_view extra_fields, std::string_view request_line = "GET /a?b=1 HTTP/1.1") {
    return std::string(request_line) + "\r\nHost: app.example.com\r\nUser-Agent: test/1\r\n" +
           std::string(extra_fields) + "\r\n";
}

forwarding_facts facts(std::string_view id = "req-1") { return {"192.0.2.7", true, id, false}; }

http::request_header<> read_request(const std::string& wire) {
    http::request_parser<http::empty_body> p;
    boost::system::error_code ec;
    p.put(boost::asio::buffer(wire), ec);
    EXPECT_FALSE(ec) << ec.message() << "\n" << wire;
    EXPECT_TRUE(p.is_header_done()) << wire;
    return p.release().base();
}

http::response_header<> read_response(const std::string& wire) {
    http::response_parser<http::empty_body> p;
    p.skip(true);  // the head only
    boost::system::error_code ec;
    p.put(boost::asio::buffer(wire), ec);
    EXPECT_FALSE(ec) << ec.message() << "\n" << wire;
    EXPECT_TRUE(p.is_header_done()) << wire;
    return p.release().base();
}

struct rebuilt {
    std::string wire;
    http::request_header<> head;
};

rebuilt rebuild(const std::string& raw, const forwarding_facts& f,
                const identity_config& identity = {},
                void (*edit)(upstream_request_edits&) = nullptr) {
    request_head_view view;
    EXPECT_EQ(head_rejection_name(parse_request_head(raw, head_limits{}, view)), "ok") << raw;
    upstream_request_edits edits{view.fields};
    if (edit) edit(edits);
    rebuilt r;
    write_upstream_request_head(view, view.target, f, identity, edit ? &edits : nullptr, r.wire);
    r.head = read_request(r.wire);
    return r;
}

TEST(UpstreamRequest, SetsForwardingHeadersAndReplacesClientCopies) {
    auto h = rebuild(client_head("X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Proto: gopher\r\n"
                                 "X-Forwarded-Host: evil.example\r\nForwarded: for=6.6.6.6\r\n"
                                 "X-Real-IP: 6.6.6.6\r\n"),
                     facts())
                 .head;
    EXPECT_EQ(h["X-Forwarded-For"], "192.0.2.7");
    EXPECT_EQ(h["X-Forwarded-Proto"], "https");
    EXPECT_EQ(h["X-Forwarded-Host"], "app.example.com");
    EXPECT_EQ(h["X-Request-Id"], "req-1");
    EXPECT_EQ(h.count(http::field::forwarded), 0u);
    EXPECT_EQ(h.count("X-Real-IP"), 0u);
    EXPECT_EQ(h.count("X-Forwarded-For"), 1u);
    EXPECT_EQ(h[http::field::user_agent], "test/1");
    EXPECT_EQ(h[http::field::host], "app.example.com");
    EXPECT_EQ(h.method_string(), "GET");
    EXPECT_EQ(h.target(), "/a?b=1");
    EXPECT_EQ(h.version(), 11u);
}

TEST(UpstreamRequest, GatewaySetFieldsAppearExactlyOnce) {
    std::string extra;
    for (auto name : {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id"})
        extra += std::string(name) + ": client-1\r\n" + name + ": client-2\r\n";
    auto h = rebuild(client_head(extra), facts()).head;
    for (auto name : {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id"}) {
        EXPECT_EQ(h.count(name), 1u) << name;
        EXPECT_NE(h[name], "client-1") << name;
    }
}

TEST(UpstreamRequest, IdentityHeaderWithAStandardNameIsStrippedToo) {
    identity_config identity;
    identity.header_names = {"From"};
    auto h = rebuild(client_head("From: ceo@example.com\r\n"), facts(), identity).head;
    EXPECT_EQ(h.count(http::field::from), 0u);
}

TEST(UpstreamRequest, StripsHopByHopAndConnectionNamedFields) {
    auto h = rebuild(client_head("Connection: keep-alive, X-Secret-Hop ,  Foo\r\n"
                                 "Keep-Alive: timeout=5\r\nX-Secret-Hop: 1\r\nFoo: 2\r\n"
                                 "TE: trailers\r\nTrailer: X\r\nUpgrade: websocket\r\n"
                                 "Proxy-Authorization: Basic x\r\nProxy-Connection: keep-alive\r\n"
                                 "Expect: 100-continue\r\nX-Kept: 3\r\n"),
                     facts())
                 .head;
    for (auto name : {"Connection", "Keep-Alive", "X-Secret-Hop", "Foo", "TE", "Trailer", "Upgrade",
                      "Proxy-Authorization", "Proxy-Connection", "Expect", "Content-Length",
                      "Transfer-Encoding"})
        EXPECT_EQ(h.count(name), 0u) << name;
    EXPECT_EQ(h["X-Kept"], "3");
    EXPECT_EQ(h.version(), 11u);
}

TEST(UpstreamRequest, FramingIsRegenerated) {
    auto sized = rebuild(client_head("content-length:  5\r\n", "POST /p HTTP/1.1"), facts());
    EXPECT_EQ(sized.head.count(http::field::content_length), 1u);
    EXPECT_NE(sized.wire.find("\r\nContent-Length: 5\r\n"), std::string::npos) << sized.wire;
    auto chunked = rebuild(client_head("Transfer-Encoding: chunked\r\n", "POST /p HTTP/1.1"), facts());
    EXPECT_EQ(chunked.head.count(http::field::transfer_encoding), 1u);
    EXPECT_EQ(chunked.head.count(http::field::content_length), 0u);
    EXPECT_EQ(chunked.head[http::field::transfer_encoding], "chunked");
    auto none = rebuild(client_head(""), facts()).head;
    EXPECT_EQ(none.count(http::field::transfer_encoding), 0u);
    EXPECT_EQ(none.count(http::field::content_length), 0u);
}

TEST(UpstreamRequest, Http10ClientGoesUpstreamAsHttp11) {
    auto h = rebuild("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", facts()).head;
    EXPECT_EQ(h.version(), 11u);
    EXPECT_EQ(h.count(http::field::connection), 0u);
    EXPECT_EQ(h.count("X-Forwarded-Host"), 0u);  // no Host, nothing to forward
}

TEST(UpstreamRequest, StripsConfiguredIdentityHeadersInAnyCase) {
    identity_config identity;
    auto h = rebuild(client_head("x-gangway-user-id: 1\r\nX-GANGWAY-EMAIL: ceo@example.com\r\n"
                                 "X-Gangway-Account-Id: 2\r\nX-Gangway-Account-Id: 3\r\n"),
                     facts(), identity)
                 .head;
    for (const auto& name : identity.header_names) EXPECT_EQ(h.count(name), 0u) << name;
}

TEST(UpstreamRequest, KeepsUpgradeOnlyWhenAllowed) {
    auto f = facts();
    f.keep_upgrade = true;
    auto h = rebuild(client_head("Connection: Upgrade\r\nUpgrade: websocket\r\n"), f).head;
    EXPECT_EQ(h[http::field::connection], "upgrade");
    EXPECT_EQ(h[http::field::upgrade], "websocket");
    EXPECT_EQ(h.count(http::field::connection), 1u);
}

TEST(UpstreamRequest, EditsReplaceAndAddFields) {
    auto r = rebuild(client_head("Cookie: theme=dark; s=1\r\n"), facts(), identity_config{},
                     [](upstream_request_edits& e) {
                         EXPECT_EQ(e[http::field::cookie], "theme=dark; s=1");
                         e.set(http::field::cookie, "theme=dark");
                         EXPECT_EQ(e[http::field::cookie], "theme=dark");
                         e.set(std::string_view("X-Gangway-User-Id"), std::string("10"));
                     });
    EXPECT_EQ(r.head.count(http::field::cookie), 1u);
    EXPECT_EQ(r.head[http::field::cookie], "theme=dark");
    EXPECT_EQ(r.head["X-Gangway-User-Id"], "10");
    auto erased = rebuild(client_head("Cookie: s=1\r\n"), facts(), identity_config{},
                          [](upstream_request_edits& e) {
                              e.erase(http::field::cookie);
                              EXPECT_EQ(e[http::field::cookie], "");
                          });
    EXPECT_EQ(erased.head.count(http::field::cookie), 0u);
}

// A connection keeps one edits object for all its requests: after reset() nothing of the
// previous request's edits shows, and a value may be set from one the edits hold already.
TEST(UpstreamRequest, EditsResetForTheNextRequestAndCopyTheirOwnValues) {
    const std::string first = client_head("Cookie: s=1; theme=dark\r\nX-Gangway-User-Id: 666\r\n");
    request_head_view view;
    ASSERT_EQ(head_rejection_name(parse_request_head(first, head_limits{}, view)), "ok");
    upstream_request_edits edits{view.fields};
    edits.set(http::field::cookie, "theme=dark");
    edits.set(std::string_view("X-Gangway-User-Id"), std::string_view("10"));
    edits.set(std::string_view("X-Gangway-Email"), std::string_view("a-long-address@example.com"));
    edits.set(http::field::cookie, edits[http::field::cookie]);  // its own value, replaced
    EXPECT_EQ(edits[http::field::cookie], "theme=dark");
    ASSERT_EQ(edits.added().size(), 3u);

    const std::string second = client_head("Cookie: other=2\r\n");
    request_head_view next;
    ASSERT_EQ(head_rejection_name(parse_request_head(second, head_limits{}, next)), "ok");
    edits.reset(next.fields);
    EXPECT_TRUE(edits.added().empty());
    EXPECT_FALSE(edits.drops("cookie"));
    EXPECT_EQ(edits[http::field::cookie], "other=2");
    edits.set(std::string_view("X-Gangway-Email"), std::string_view("b@example.com"));
    std::string wire;
    write_upstream_request_head(next, next.target, facts(), identity_config{}, &edits, wire);
    const auto h = read_request(wire);
    EXPECT_EQ(h[http::field::cookie], "other=2");
    EXPECT_EQ(h["X-Gangway-Email"], "b@example.com");
    EXPECT_EQ(h.count("X-Gangway-User-Id"), 0u);
}

// The view points into `raw`, which must outlive it.
response_head_view parsed_response(std::string_view raw) {
    response_head_view v;
    EXPECT_TRUE(parse_response_head(raw, v)) << raw;
    return v;
}

TEST(ClientResponse, StripsHopByHopButKeepsEndToEnd) {
    auto v = parsed_response("HTTP/1.1 200 OK\r\nConnection: close, X-Internal\r\nX-Internal: 1\r\n"
                             "Transfer-Encoding: chunked\r\nContent-Type: text/plain\r\n"
                             "Set-Cookie: a=b\r\nX-Request-Id: upstream-id\r\n\r\n");
    std::string wire;
    write_client_response_head(v, "rid-1", {false, std::nullopt, true, true, false}, wire);
    auto h = read_response(wire);
    EXPECT_EQ(h.result_int(), 200u);
    EXPECT_EQ(h.reason(), "OK");
    EXPECT_EQ(h.count("X-Internal"), 0u);
    EXPECT_EQ(h.count(http::field::transfer_encoding), 1u);  // fresh framing only
    EXPECT_EQ(h[http::field::transfer_encoding], "chunked");
    EXPECT_EQ(h.count(http::field::connection), 0u);
    EXPECT_EQ(h[http::field::content_type], "text/plain");
    EXPECT_EQ(h[http::field::set_cookie], "a=b");
    EXPECT_EQ(h.count("X-Request-Id"), 1u);
    EXPECT_EQ(h["X-Request-Id"], "rid-1");
}

TEST(ClientResponse, ConnectionAndLengthAsAsked) {
    auto v = parsed_response("HTTP/1.0 404\r\nContent-Length: 7\r\n\r\n");
    std::string wire;
    write_client_response_head(v, "r", {false, 7, false, false, false}, wire);
    auto closing = read_response(wire);
    EXPECT_EQ(closing.version(), 11u);
    EXPECT_EQ(closing.reason(), "Not Found");  // the standard reason when none was sent
    EXPECT_EQ(closing[http::field::content_length], "7");
    EXPECT_EQ(closing[http::field::connection], "close");
    write_client_response_head(v, "r", {false, 7, false, true, true}, wire);
    EXPECT_EQ(read_response(wire)[http::field::connection], "keep-alive");
}

TEST(ClientResponse, TunnelKeepsTheUpgrade) {
    auto v = parsed_response("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                             "Upgrade: websocket\r\nSec-WebSocket-Accept: x\r\n\r\n");
    std::string wire;
    write_client_response_head(v, "r", {true, std::nullopt, false, false, false}, wire);
    auto h = read_response(wire);
    EXPECT_EQ(h.result_int(), 101u);
    EXPECT_EQ(h[http::field::upgrade], "websocket");
    EXPECT_EQ(h[http::field::connection], "upgrade, close");
    EXPECT_EQ(h[http::field::sec_websocket_accept], "x");
}

TEST(ResponseHead, ParsesStatusFramingAndKeepAlive) {
    auto v = parsed_response("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\nServer: x\r\n\r\n");
    EXPECT_EQ(v.status, 200u);
    EXPECT_EQ(v.reason, "OK");
    ASSERT_TRUE(v.content_length);
    EXPECT_EQ(*v.content_length, 5u);
    EXPECT_TRUE(v.keep_alive());
    EXPECT_FALSE(v.body_until_close(true));

    v = parsed_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(v.chunked);
    EXPECT_FALSE(v.keep_alive());

    v = parsed_response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
    EXPECT_FALSE(v.chunked);
    EXPECT_TRUE(v.body_until_close(true));
    EXPECT_FALSE(v.body_until_close(false));

    v = parsed_response("HTTP/1.0 200 OK\r\n\r\n");
    EXPECT_TRUE(v.http10);
    EXPECT_FALSE(v.keep_alive());
    v = parsed_response("HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_TRUE(v.keep_alive());
    EXPECT_EQ(v.status, 204u);
}

TEST(ResponseHead, RefusesWhatAStrictParserRefuses) {
    response_head_view v;
    const std::vector<std::string> bad_heads = {
             "HTTP/1.1 200 OK\r\n",                                         // no empty line
             "HTTP/2 200 OK\r\n\r\n",                                       // version
             "HTTP/1.1 20 OK\r\n\r\n",                                      // status digits
             "HTTP/1.1 2000 OK\r\n\r\n",                                    // status digits
             "HTTP/1.1 099 OK\r\n\r\n",                                     // status range
             "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n",                       // obs-fold
             "HTTP/1.1 200 OK\r\nA : b\r\n\r\n",                            // space before colon
             "HTTP/1.1 200 OK\r\n: b\r\n\r\n",                              // empty name
             "HTTP/1.1 200 OK\r\nA: b\nC: d\r\n\r\n",                       // bare LF
             "HTTP/1.1 200 OK\r\nA: b\rC: d\r\n\r\n",                       // bare CR
             std::string("HTTP/1.1 200 OK\r\nA: b") + '\0' + "c\r\n\r\n",   // NUL
             "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",                // not a number
             "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",               // signed
             "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",             // disagreeing list
             "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
             "HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n",               // empty element
             "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
             "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
             "HTTP/1.1 200 OK\r\n\r\nX: trailing\r\n\r\n",                  // past the head
    };
    for (const auto& bad : bad_heads) {
        EXPECT_FALSE(parse_response_head(bad, v)) << bad;
    }
}

TEST(RequestId, AcceptsOnlySafeIds) {
    EXPECT_TRUE(well_formed_request_id("abc-123_x.y:z"));
    EXPECT_TRUE(well_formed_request_id(std::string(128, 'a')));
    EXPECT_FALSE(well_formed_request_id(std::string(129, 'a')));
    EXPECT_FALSE(well_formed_request_id(""));
    EXPECT_FALSE(well_formed_request_id("a b"));
    EXPECT_FALSE(well_formed_request_id("a\"b"));
    EXPECT_FALSE(well_formed_request_id("<script>"));
}

TEST(RequestId, NewIdsAreWellFormedAndDistinct) {
    auto a = new_request_id();
    auto b = new_request_id();
    EXPECT_EQ(a.size(), 32u);
    EXPECT_TRUE(well_formed_request_id(a));
    EXPECT_NE(a, b);
    std::string reused = "an id of an earlier request, longer than 32 bytes";
    new_request_id(reused);
    EXPECT_EQ(reused.size(), 32u);
    EXPECT_TRUE(well_formed_request_id(reused));
    EXPECT_NE(reused, a);
}

}  // namespace
}  // namespace gangway
