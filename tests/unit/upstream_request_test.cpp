#include "gateway/proxy/upstream_request.hpp"

#include <gtest/gtest.h>

namespace gangway {
namespace {
namespace http = boost::beast::http;

request_head client_head() {
    request_head h;
    h.method(http::verb::get);
    h.target("/a?b=1");
    h.version(11);
    h.set(http::field::host, "app.example.com");
    h.set(http::field::user_agent, "test/1");
    return h;
}

forwarding_facts facts(std::string_view id = "req-1") { return {"192.0.2.7", true, id, false}; }

TEST(UpstreamRequest, SetsForwardingHeadersAndReplacesClientCopies) {
    auto h = client_head();
    h.set("X-Forwarded-For", "6.6.6.6");
    h.set("X-Forwarded-Proto", "gopher");
    h.set("X-Forwarded-Host", "evil.example");
    h.set(http::field::forwarded, "for=6.6.6.6");
    h.set("X-Real-IP", "6.6.6.6");
    rebuild_upstream_request(h, facts(), identity_config{});
    EXPECT_EQ(h["X-Forwarded-For"], "192.0.2.7");
    EXPECT_EQ(h["X-Forwarded-Proto"], "https");
    EXPECT_EQ(h["X-Forwarded-Host"], "app.example.com");
    EXPECT_EQ(h["X-Request-Id"], "req-1");
    EXPECT_EQ(h.count(http::field::forwarded), 0u);
    EXPECT_EQ(h.count("X-Real-IP"), 0u);
    EXPECT_EQ(h.count("X-Forwarded-For"), 1u);
    EXPECT_EQ(h[http::field::user_agent], "test/1");
}

TEST(UpstreamRequest, GatewaySetFieldsAppearExactlyOnce) {
    auto h = client_head();
    for (auto name : {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id"}) {
        h.insert(name, "client-1");
        h.insert(name, "client-2");
    }
    rebuild_upstream_request(h, facts(), identity_config{});
    for (auto name : {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id"}) {
        EXPECT_EQ(h.count(name), 1u) << name;
        EXPECT_NE(h[name], "client-1") << name;
    }
}

TEST(UpstreamRequest, IdentityHeaderWithAStandardNameIsStrippedToo) {
    auto h = client_head();
    h.set(http::field::from, "ceo@example.com");
    identity_config identity;
    identity.header_names = {"From"};
    rebuild_upstream_request(h, facts(), identity);
    EXPECT_EQ(h.count(http::field::from), 0u);
}

TEST(UpstreamRequest, StripsHopByHopAndConnectionNamedFields) {
    auto h = client_head();
    h.set(http::field::connection, "keep-alive, X-Secret-Hop ,  Foo");
    h.set(http::field::keep_alive, "timeout=5");
    h.set("X-Secret-Hop", "1");
    h.set("Foo", "2");
    h.set(http::field::te, "trailers");
    h.set(http::field::trailer, "X");
    h.set(http::field::upgrade, "websocket");
    h.set(http::field::proxy_authorization, "Basic x");
    h.set(http::field::proxy_connection, "keep-alive");
    h.set(http::field::expect, "100-continue");
    h.set(http::field::content_length, "5");
    h.set(http::field::transfer_encoding, "chunked");
    rebuild_upstream_request(h, facts(), identity_config{});
    for (auto name : {"Connection", "Keep-Alive", "X-Secret-Hop", "Foo", "TE", "Trailer", "Upgrade",
                      "Proxy-Authorization", "Proxy-Connection", "Expect", "Content-Length",
                      "Transfer-Encoding"})
        EXPECT_EQ(h.count(name), 0u) << name;
    EXPECT_EQ(h.version(), 11u);
}

TEST(UpstreamRequest, StripsConfiguredIdentityHeadersInAnyCase) {
    auto h = client_head();
    h.set("x-gangway-user-id", "1");
    h.set("X-GANGWAY-EMAIL", "ceo@example.com");
    h.insert("X-Gangway-Account-Id", "2");
    h.insert("X-Gangway-Account-Id", "3");
    identity_config identity;
    rebuild_upstream_request(h, facts(), identity);
    for (const auto& name : identity.header_names) EXPECT_EQ(h.count(name), 0u) << name;
}

TEST(UpstreamRequest, KeepsUpgradeOnlyWhenAllowed) {
    auto h = client_head();
    h.set(http::field::connection, "Upgrade");
    h.set(http::field::upgrade, "websocket");
    auto f = facts();
    f.keep_upgrade = true;
    rebuild_upstream_request(h, f, identity_config{});
    EXPECT_EQ(h[http::field::connection], "upgrade");
    EXPECT_EQ(h[http::field::upgrade], "websocket");
}

TEST(ClientResponse, StripsHopByHopButKeepsEndToEnd) {
    response_head h;
    h.result(http::status::ok);
    h.set(http::field::connection, "close, X-Internal");
    h.set("X-Internal", "1");
    h.set(http::field::transfer_encoding, "chunked");
    h.set(http::field::content_type, "text/plain");
    h.set(http::field::set_cookie, "a=b");
    rebuild_client_response(h, false);
    EXPECT_EQ(h.count("X-Internal"), 0u);
    EXPECT_EQ(h.count(http::field::transfer_encoding), 0u);
    EXPECT_EQ(h.count(http::field::connection), 0u);
    EXPECT_EQ(h[http::field::content_type], "text/plain");
    EXPECT_EQ(h[http::field::set_cookie], "a=b");
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
}

}  // namespace
}  // namespace gangway
