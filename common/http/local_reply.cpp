#include "common/http/local_reply.hpp"

#include <string>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <nlohmann/json.hpp>

namespace gangway {
namespace http = boost::beast::http;
namespace {

std::string_view headline(unsigned status) {
    switch (status) {
        case 400: return "The request could not be understood.";
        case 413: return "The request is too large.";
        case 502: return "The application is not reachable right now.";
        case 503: return "The service is not available right now.";
        case 504: return "The application took too long to answer.";
        default: return "The request could not be completed.";
    }
}

std::string html_page(unsigned status, std::string_view reason) {
    auto title = std::string(http::obsolete_reason(static_cast<http::status>(status)));
    return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
           "<title>" + std::to_string(status) + " " + title + "</title></head>"
           "<body style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto\">"
           "<h1>" + std::string(headline(status)) + "</h1>"
           "<p>Please try again in a moment.</p>"
           "<p><small>" + std::to_string(status) + " &middot; " + std::string(reason) +
           "</small></p></body></html>\n";
}

}  // namespace

string_response local_reply(unsigned status, std::string_view reason, request_kind kind,
                            unsigned http_version) {
    string_response res{static_cast<http::status>(status), http_version};
    res.set(http::field::cache_control, "no-store");
    if (kind == request_kind::ajax) {
        nlohmann::json body = {{"gangway",
                                {{"action", "error"}, {"status", status}, {"reason", reason}}}};
        res.set(http::field::content_type, "application/json");
        res.body() = body.dump() + "\n";
    } else {
        res.set(http::field::content_type, "text/html; charset=utf-8");
        res.body() = html_page(status, reason);
    }
    res.prepare_payload();
    return res;
}

}  // namespace gangway
