// The small pure pieces of the login flow: form bodies and query values, the peer protocol's
// JSON bodies, the page templates.
#include <gtest/gtest.h>

#include "common/http/html_template.hpp"
#include "gateway/auth/form_body.hpp"
#include "gateway/auth/peer_protocol.hpp"

namespace gangway {
namespace {

TEST(FormBody, DecodesFieldsAsBrowsersEncodeThem) {
    const auto f = parse_form("email=ada%40example.com&password=a+b%2Bc%00d&next=%2Fhome%3Fx%3D1&&");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->at("email"), "ada@example.com");
    EXPECT_EQ(f->at("password"), std::string("a b+c\0d", 7));
    EXPECT_EQ(f->at("next"), "/home?x=1");
    EXPECT_EQ(parse_form("")->size(), 0u);
    EXPECT_EQ(parse_form("flag")->at("flag"), "");
}

TEST(FormBody, RefusesWhatNoFormOfOursLooksLike) {
    for (const char* bad : {"a=%", "a=%4", "a=%zz", "a=%4g", "%=1", "=1", "a=1&a=2", "email=x&email=y"})
        EXPECT_FALSE(parse_form(bad)) << bad;
    std::string many;
    for (int i = 0; i < 17; ++i) many += "f" + std::to_string(i) + "=1&";
    EXPECT_FALSE(parse_form(many)) << "more fields than allowed";
    EXPECT_TRUE(parse_form(many, 17));
}

TEST(FormBody, QueryParameters) {
    EXPECT_EQ(query_parameter("/login?next=%2Fa%3Fb&x=1", "next"), "/a?b");
    EXPECT_EQ(query_parameter("/h?token=abc#frag", "token"), "abc");
    EXPECT_FALSE(query_parameter("/login", "next"));
    EXPECT_FALSE(query_parameter("/login?next=a&next=b", "next")) << "twice: trust neither";
    EXPECT_FALSE(query_parameter("/login?next=%zz", "next"));
    EXPECT_EQ(form_encode("a b/ü~"), "a%20b%2F%C3%BC~");
    EXPECT_EQ(parse_form("v=" + form_encode(std::string("\0\xff&=+%", 6)))->at("v"), std::string("\0\xff&=+%", 6));
}

TEST(PeerProtocol, LoginRequestRoundTrips) {
    const peer_login_request r{"ada@example.com", "p\"w\\d\n", "/x?y", "127.0.0.1", "Mozilla/5.0"};
    const auto back = decode_login_request(encode(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->email, r.email);
    EXPECT_EQ(back->password, r.password);
    EXPECT_EQ(back->next, r.next);
    EXPECT_EQ(back->client_ip, r.client_ip);
    EXPECT_EQ(back->user_agent, r.user_agent);
}

TEST(PeerProtocol, RepliesAnswerOnlyTheirRequest) {
    const peer_login_reply reply{peer_login_outcome::handoff, "https://new.example/_gangway/handoff?token=t"};
    const std::string body = encode(reply, "id-1");
    const auto back = decode_login_reply(body, "id-1");
    ASSERT_TRUE(back);
    EXPECT_EQ(back->outcome, peer_login_outcome::handoff);
    EXPECT_EQ(back->location, reply.location);
    EXPECT_FALSE(decode_login_reply(body, "id-2")) << "an answer to another request";
    EXPECT_EQ(decode_reset_reply(encode(peer_reset_outcome::sent, "r"), "r"), peer_reset_outcome::sent);
    EXPECT_FALSE(decode_reset_reply(encode(peer_reset_outcome::sent, "r"), "s"));
}

TEST(PeerProtocol, MalformedBodiesAreRefused) {
    for (const char* bad : {"", "null", "[]", "{", R"({"email":1})",
                            R"({"email":"a","password":"b","next":"/","client_ip":"c"})",
                            R"({"email":"a","password":"b","next":"/","client_ip":"c","user_agent":7})"})
        EXPECT_FALSE(decode_login_request(bad)) << bad;
    EXPECT_FALSE(decode_login_reply(R"({"in_reply_to":"i","outcome":"granted","location":""})", "i"))
        << "unknown outcome";
    EXPECT_FALSE(decode_login_reply(R"({"in_reply_to":"i","outcome":"failed"})", "i")) << "no location";
    EXPECT_FALSE(decode_reset_request(R"({"email":"a"})"));
    for (auto o : {peer_login_outcome::handoff, peer_login_outcome::failed, peer_login_outcome::not_here,
                   peer_login_outcome::locked, peer_login_outcome::limited, peer_login_outcome::unavailable})
        EXPECT_EQ(decode_login_reply(encode(peer_login_reply{o, ""}, "i"), "i")->outcome, o) << to_string(o);
}

TEST(HtmlTemplate, FillsNamedPlaceholdersEscaped) {
    EXPECT_EQ(fill_template("<p>{{a}}</p><i>{{b}}</i>{{other}}", {{"a", "<x & \"y\">"}, {"b", "'"}}),
              "<p>&lt;x &amp; &quot;y&quot;&gt;</p><i>&#39;</i>{{other}}");
    EXPECT_EQ(fill_template("{{a}}", {{"a", "{{a}}"}}), "{{a}}") << "values are not scanned again";
    EXPECT_EQ(fill_template("{{a", {{"a", "x"}}), "{{a");
    EXPECT_EQ(fill_template("", {}), "");
}

}  // namespace
}  // namespace gangway
