#include "gateway/server/reset_delivery.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <spdlog/spdlog.h>

#include "common/log/loggers.hpp"
#include "gateway/auth/form_body.hpp"
#include "gateway/filters/account_router.hpp"
#include "gateway/proxy/upstream_pool.hpp"
#include "gateway/proxy/upstream_request.hpp"

namespace gangway {
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::uint32_t max_answer_bytes = 64 * 1024;

boost::asio::awaitable<bool> post_reset(config_ptr cfg, std::shared_ptr<upstream_pool> upstreams,
                                        std::shared_ptr<const account_router> router, user_record user) {
    static const auto log = component_logger("login");
    const std::size_t server = upstreams->pick();
    beast::tcp_stream stream(upstreams->executor());
    stream.expires_after(cfg->timeouts.upstream_response);
    beast::error_code ec;
    auto use_ec = [&ec] { return boost::asio::redirect_error(boost::asio::use_awaitable, ec); };
    co_await stream.async_connect(upstreams->endpoint(server), use_ec());
    http::request<http::string_body> req{http::verb::post, cfg->login.reset_path, 11};
    req.set(http::field::host, upstreams->name(server));
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.set(http::field::connection, "close");
    const std::string request_id = new_request_id();
    req.set("X-Request-Id", request_id);
    session who;
    who.user_id = user.user_id;
    who.account_id = user.account_id;
    who.email = user.email;
    who.site = cfg->sites.self;
    router->add_identity(req, who, request_id);
    req.body() = "email=" + form_encode(user.email);
    req.prepare_payload();
    if (!ec) co_await http::async_write(stream, req, use_ec());
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> answer;
    answer.body_limit(max_answer_bytes);
    if (!ec) co_await http::async_read(stream, buffer, answer, use_ec());
    const unsigned status = ec ? 0 : answer.get().result_int();
    if (ec) log->warn("password reset request to upstream {} failed: {}", upstreams->name(server), ec.message());
    else log->info("password reset requested for account {}: upstream answered {}", user.account_id, status);
    co_return status >= 200 && status < 400;
}

}  // namespace

login_service::reset_delivery make_reset_delivery(config_ptr cfg, std::shared_ptr<upstream_pool> upstreams,
                                                  std::shared_ptr<const account_router> router) {
    return [cfg = std::move(cfg), upstreams = std::move(upstreams),
            router = std::move(router)](const user_record& user) {
        return post_reset(cfg, upstreams, router, user);
    };
}

}  // namespace gangway
