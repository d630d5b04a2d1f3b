#include "common/http/request_kind.hpp"

#include <gtest/gtest.h>

namespace gangway {
namespace {

struct kind_case {
    const char* name;
    request_kind_inputs in;
    request_kind expected;
};

class RequestKindTable : public ::testing::TestWithParam<kind_case> {};

TEST_P(RequestKindTable, ClassifiesAsProductSays) {
    const std::vector<std::string> api_prefixes{"/api/", "/v2/"};
    EXPECT_EQ(classify_request(GetParam().in, api_prefixes), GetParam().expected);
}

const kind_case kind_cases[] = {
    {"NoSignalsIsPage", {"", "", "", "", "/dashboard"}, request_kind::page},
    {"NavigateDocumentIsPage", {"navigate", "document", "", "", "/"}, request_kind::page},
    {"NavigateWithoutDestIsPage", {"navigate", "", "", "", "/"}, request_kind::page},
    {"NavigateCaseInsensitive", {"NAVIGATE", "Document", "", "", "/"}, request_kind::page},
    {"CorsFetchIsAjax", {"cors", "empty", "", "", "/"}, request_kind::ajax},
    {"SameOriginFetchIsAjax", {"same-origin", "empty", "text/html", "", "/"}, request_kind::ajax},
    {"NavigateIntoIframeIsAjax", {"navigate", "iframe", "", "", "/"}, request_kind::ajax},
    {"FetchModeWinsOverApiPrefix", {"navigate", "document", "", "", "/api/x"}, request_kind::page},
    {"AcceptJsonIsAjax", {"", "", "application/json", "", "/"}, request_kind::ajax},
    {"AcceptJsonWithLowerHtmlIsAjax", {"", "", "application/json, text/html;q=0.5", "", "/"},
     request_kind::ajax},
    {"AcceptHtmlPreferredIsPage", {"", "", "text/html,application/json;q=0.9", "", "/"},
     request_kind::page},
    {"AcceptEqualIsPage", {"", "", "text/html, application/json", "", "/"}, request_kind::page},
    {"BrowserDefaultAcceptIsPage",
     {"", "", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", "/"},
     request_kind::page},
    {"AcceptJsonQZeroIsPage", {"", "", "application/json;q=0", "", "/"}, request_kind::page},
    {"XRequestedWithIsAjax", {"", "", "*/*", "XMLHttpRequest", "/"}, request_kind::ajax},
    {"XRequestedWithOtherIsPage", {"", "", "", "Fetch", "/"}, request_kind::page},
    {"ApiPrefixIsAjax", {"", "", "", "", "/api/messages"}, request_kind::ajax},
    {"SecondApiPrefixIsAjax", {"", "", "", "", "/v2/x"}, request_kind::ajax},
    {"PrefixMustMatchFromStart", {"", "", "", "", "/x/api/messages"}, request_kind::page},
    {"ApiWithoutSlashIsPage", {"", "", "", "", "/api"}, request_kind::page},
};

INSTANTIATE_TEST_SUITE_P(Cases, RequestKindTable, ::testing::ValuesIn(kind_cases),
                         [](const auto& test_case) { return std::string(test_case.param.name); });

TEST(AcceptPrefersJson, MalformedQualityCountsAsZero) {
    EXPECT_FALSE(accept_prefers_json("application/json;q=abc"));
    EXPECT_FALSE(accept_prefers_json("application/json;q=2"));
    EXPECT_TRUE(accept_prefers_json("text/html;q=0.1, application/json;q=0.2"));
    EXPECT_FALSE(accept_prefers_json(""));
    EXPECT_FALSE(accept_prefers_json(",,,;;;"));
}

}  // namespace
}  // namespace gangway
