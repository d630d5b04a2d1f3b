#include "gateway/server/connection.hpp"

#include <utility>

#include <array>
#include <chrono>
#include <limits>
#include <memory_resource>
#include <optional>
#include <string>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_static_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "common/http/field_text.hpp"
#include "common/http/head_fields.hpp"
#include "common/http/response_head.hpp"
#include "common/http/local_reply.hpp"
#include "common/http/request_kind.hpp"
#include "common/log/access_log.hpp"
#include "common/log/loggers.hpp"
#include "common/net/ready_read.hpp"
#include "common/net/tls_stream.hpp"
#include "gateway/auth/login_endpoints.hpp"
#include "gateway/filters/account_router.hpp"
#include "gateway/placement/account_connections.hpp"
#include "gateway/server/account_services.hpp"
#include "gateway/proxy/body_buffer.hpp"
#include "gateway/proxy/body_relay.hpp"
#include "gateway/proxy/io_watchdog.hpp"
#include "gateway/proxy/tunnel.hpp"
#include "gateway/proxy/upstream_request.hpp"
#include "gateway/server/chunked_body_check.hpp"
#include "gateway/server/gateway_error.hpp"
#include "gateway/server/request_head_check.hpp"
#include "gateway/server/runtime.hpp"

namespace gangway {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr std::size_t head_read_bytes = 16 * 1024;
constexpr auto lingering_close_time = std::chrono::milliseconds(500);

auto use_ec(beast::error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

const std::shared_ptr<spdlog::logger>& proxy_log() {
    static const auto logger = component_logger("proxy");
    return logger;
}

std::chrono::microseconds since(clock_type::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t);
}

// The time since `t`, or zero when `t` was never read (see upstream_clock_start).
std::chrono::microseconds since_if(clock_type::time_point t) {
    return t == clock_type::time_point{} ? std::chrono::microseconds{0} : since(t);
}

// When an exchange turns to its upstream, read only for the access log (the one reader of
// upstream_time): a precise clock read is not free, and this is on every request.
clock_type::time_point upstream_clock_start() {
    return access_log::enabled() ? clock_type::now() : clock_type::time_point{};
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

// "http://host:1/a?b" -> "/a?b": the upstream gets origin-form (the head check already made
// sure the authority is this request's Host).
std::string origin_form(std::string_view target) {
    auto scheme_end = target.find("://");
    if (target.empty() || target[0] == '/' || scheme_end == std::string_view::npos)
        return std::string(target);
    auto path = target.find('/', scheme_end + 3);
    return path == std::string_view::npos ? std::string("/") : std::string(target.substr(path));
}

bool starts_with_any(std::string_view path, const std::vector<std::string>& prefixes) {
    for (const auto& p : prefixes)
        if (path.substr(0, p.size()) == p) return true;
    return false;
}

// A parse error in the body's framing (as opposed to a closed or silent client).
bool is_framing_error(const beast::error_code& ec) {
    return ec.category() == http::make_error_code(http::error::bad_chunk).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message;
}

head_limits limits_of(const config& cfg) {
    return {cfg.limits.max_header_bytes, cfg.limits.max_header_count, cfg.limits.max_url_bytes,
            cfg.limits.max_body_bytes};
}

// One request/response exchange as it is logged and counted.
struct exchange {
    runtime::generation_ptr gen;
    clock_type::time_point started{};  // set once the head is read
    std::string request_id;
    std::string method;
    std::string target;
    request_kind kind = request_kind::page;
    unsigned status = 0;
    std::string_view reason = "proxied";
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::string upstream;
    std::chrono::microseconds upstream_time{0};
    bool finished = false;  // counted and logged already

    // Ready for the next request of the connection; the strings are emptied, not freed.
    void reset(runtime::generation_ptr g) {
        gen = std::move(g);
        started = {};
        request_id.clear();
        method.clear();
        target.clear();
        kind = request_kind::page;
        status = 0;
        reason = "proxied";
        bytes_in = 0;
        bytes_out = 0;
        upstream.clear();
        upstream_time = std::chrono::microseconds{0};
        finished = false;
    }
};

// Lets go of the exchange's generation when serve_one ends, however it ends.
struct generation_release {
    exchange& ex;
    ~generation_release() { ex.gen.reset(); }
};

// The upstream's answer being read: the bytes read ahead (its head is parsed in place, see
// read_upstream_head) and, for a body that is neither empty nor of known length, Beast's
// parser to decode its framing. The read buffer lives in a pooled 64 KiB block: each read
// asks for the buffer's free capacity, so a small dynamic buffer would relay large bodies 512
// bytes at a time.
struct upstream_answer {
    using parser_type = http::response_parser<http::buffer_body>;

    body_buffer block;
    beast::flat_static_buffer_base buffer{block.data(), body_buffer::size};
    std::size_t head_bytes = 0;  // the head at the start of `buffer`, parsed in response_head_
    std::optional<parser_type> parser;
};

// The client's request head in Beast's parser, only where the proxy still needs it: to decode
// a chunked body, and for the login flow's endpoints. (Both are rare enough that its field
// allocations do not matter; the coroutine frame stays small without an arena in it.)
using client_request_parser = http::request_parser<http::buffer_body>;

// An upstream connection for one exchange. The watchdog forgets the socket with it, so a
// deadline never fires on a socket that is gone.
struct upstream_lease {
    explicit upstream_lease(io_watchdog& w) : watch(w) {}
    ~upstream_lease() {
        if (stream) watch.disarm(*stream);
    }
    upstream_lease(const upstream_lease&) = delete;
    upstream_lease& operator=(const upstream_lease&) = delete;

    io_watchdog& watch;
    std::optional<tcp::socket> stream;
    std::size_t server = 0;
    bool reused = false;
};

template <class Stream>
class client_session {
public:
    client_session(runtime& rt, Stream stream, bool tls)
        : rt_(rt),
          stream_(std::move(stream)),
          tls_(tls),
          buffer_(1024 * 1024),
          watch_(beast::get_lowest_layer(stream_).get_executor()) {
        beast::error_code ec;
        auto ep = beast::get_lowest_layer(stream_).remote_endpoint(ec);
        client_ip_ = ec ? std::string("unknown") : ep.address().to_string();
        connection_id_ = std::to_string(rt_.next_connection_id());
        request_head_.fields.reserve(32);
        response_head_.fields.reserve(32);
    }

    net::awaitable<void> run() {
        rt_.metrics().connection_opened();
        if (co_await handshake()) {
            bool first = true;
            while (co_await serve_one(first)) first = false;
        }
        forget_account();
        rt_.metrics().connection_closed();
    }

private:
    enum class head_status { complete, closed, too_large };

    tcp::socket& socket_layer() { return beast::get_lowest_layer(stream_); }

    // Bounds the next operation on the client connection.
    void client_deadline(std::chrono::milliseconds timeout) { watch_.arm(socket_layer(), timeout); }

    std::string_view buffered() const {
        return {static_cast<const char*>(buffer_.data().data()), buffer_.size()};
    }

    net::awaitable<bool> handshake() {
        if constexpr (std::is_same_v<Stream, tcp::socket>) {
            co_return true;
        } else {
            beast::error_code ec;
            client_deadline(rt_.current()->cfg->timeouts.tls_handshake);
            co_await stream_.async_handshake(net::ssl::stream_base::server, use_ec(ec));
            co_return !ec;
        }
    }

    // Reads until the buffer holds a complete head; returns its length in `head_bytes`.
    net::awaitable<head_status> read_head(const config& cfg, bool first, std::size_t& head_bytes) {
        std::size_t scanned = 0;
        for (;;) {
            std::string_view bytes{static_cast<const char*>(buffer_.data().data()), buffer_.size()};
            head_bytes = find_head_end(bytes.substr(scanned > 3 ? scanned - 3 : 0));
            if (head_bytes) {
                head_bytes += scanned > 3 ? scanned - 3 : 0;
                co_return head_status::complete;
            }
            scanned = bytes.size();
            if (bytes.size() >= cfg.limits.max_header_bytes) co_return head_status::too_large;
            if (bytes.empty() && rt_.draining()) co_return head_status::closed;
            client_deadline(bytes.empty() && !first ? cfg.timeouts.idle : cfg.timeouts.header_read);
            beast::error_code ec;
            auto room = std::min(head_read_bytes, cfg.limits.max_header_bytes - bytes.size() + 4);
            auto n = co_await async_read_ready(stream_, buffer_.prepare(room), use_ec(ec));
            buffer_.commit(n);
            if (ec) co_return head_status::closed;
        }
    }

    net::awaitable<bool> serve_one(bool first) {
        // One exchange object for all requests of the connection: its strings keep their
        // room. It holds the generation only while a request is served (a reload must not
        // wait for idle connections to let go of theirs).
        exchange& ex = exchange_;
        ex.reset(rt_.current());
        const generation_release release{ex};
        const config& cfg = *ex.gen->cfg;
        std::size_t head_bytes = 0;
        auto status = co_await read_head(cfg, first, head_bytes);
        if (status == head_status::closed) co_return false;
        ex.started = clock_type::now();
        if (status == head_status::too_large) {
            co_await refuse(ex, 400, head_rejection_name(head_rejection::header_too_large));
            co_return false;
        }
        std::string_view head{static_cast<const char*>(buffer_.data().data()), head_bytes};
        if (auto r = parse_request_head(head, limits_of(cfg), request_head_);
            r != head_rejection::none) {
            co_await refuse(ex, r == head_rejection::body_too_large ? 413 : 400,
                            head_rejection_name(r));
            co_return false;
        }
        rt_.request_started();
        if (handle_) handle_->set_busy(true);
        auto keep_going = co_await proxy(ex, head_bytes);
        if (handle_) handle_->set_busy(false);
        rt_.request_finished();
        co_return keep_going && !rt_.draining() && !(handle_ && handle_->close_requested());
    }

    // The strict check passed and parsed the head into request_head_: forward, relay the
    // answer. Returns whether the client connection may carry another request.
    net::awaitable<bool> proxy(exchange& ex, std::size_t head_bytes) {
        const config& cfg = *ex.gen->cfg;
        const request_head_view& head = request_head_;  // views into buffer_, see below
        describe(ex, head, cfg);
        if (head.chunked && check_chunked_prefix(buffered().substr(head_bytes)) == chunked_check::bad) {
            // Framing the client already sent is broken: refuse before any upstream sees it.
            co_await refuse(ex, 400, "bad_chunked_framing");
            co_return false;
        }
        const bool client_keep_alive = head.keep_alive();
        const bool client_http10 = head.http10;
        const bool head_request = head.method == "HEAD";
        const bool has_body = head.chunked || head.content_length.value_or(0) > 0;
        const std::string target = origin_form(ex.target);  // once: login, routing, upstream
        std::optional<client_request_parser> beast_request;  // only when Beast's parser is needed
        if (ex.gen->login && ex.gen->login->handles(path_of(target))) {
            auto* parser = parse_with_beast(beast_request, cfg, head_bytes);
            if (!parser) co_return co_await refuse_and_close(ex, gateway_error::bad_request);
            co_return co_await serve_login(ex, *parser, target);
        }
        route_outcome routed;
        if (ex.gen->router) {
            routed = ex.gen->router->route({head.method, target, path_of(target), ex.kind,
                                            head.fields[known_field::cookie], ex.request_id,
                                            &session_memo_});
            ex.reason = routed.reason;
            if (routed.what == route_outcome::verdict::respond) {
                buffer_.consume(head_bytes);  // the next request starts after this head
                co_return co_await answer_locally(ex, *routed.answer,
                                                  client_keep_alive && !has_body);
            }
        }
        const bool upgrade = head.upgrade() && head.method == "GET" &&
                             starts_with_any(path_of(ex.target), cfg.upstream.websocket_paths);
        if (auto expect = head.fields[known_field::expect];
            !expect.empty() && !co_await answer_expect(ex, expect, !has_body))
            co_return false;

        // The upstream head is written now, while the views into buffer_ hold: reading the
        // body may move the buffered bytes.
        {
            forwarding_facts facts{client_ip_, tls_, ex.request_id, upgrade};
            upstream_request_edits& edits = edits_;
            edits.reset(head.fields);
            if (ex.gen->router) ex.gen->router->remove_session_cookie(edits);
            if (routed.who) {
                ex.gen->router->add_identity(edits, *routed.who, ex.request_id);
                remember_account(routed.who->account_id);
            }
            write_upstream_request_head(head, target, facts, cfg.identity,
                                        ex.gen->router ? &edits : nullptr, upstream_head_);
        }
        const auto request_framing = head.content_length ? body_framing::raw
                                     : head.chunked      ? body_framing::chunked
                                                         : body_framing::none;
        const std::uint64_t content_length = head.content_length.value_or(0);

        body_buffer piece;
        bool piece_loaded = false;
        client_request_parser* body_parser = nullptr;
        if (request_framing == body_framing::chunked) {
            body_parser = parse_with_beast(beast_request, cfg, head_bytes);
            if (!body_parser) co_return co_await refuse_and_close(ex, gateway_error::bad_request);
            // The first chunked piece is read before any upstream is contacted, so a body
            // whose framing is broken from the start reaches no upstream at all.
            auto ec = co_await read_body_piece(stream_, buffer_, *body_parser, piece.data(),
                                               body_buffer::size, cfg.timeouts.body_read, watch_);
            if (ec) {
                auto s = classify_read_error(ec);
                if (s == relay_status::body_too_large) co_await refuse(ex, gateway_error::body_too_large);
                else if (is_framing_error(ec))
                    co_await refuse(ex, 400, "bad_body_framing");
                co_return false;
            }
            piece_loaded = true;
        } else {
            buffer_.consume(head_bytes);
        }

        const auto upstream_started = upstream_clock_start();
        upstream_lease lease{watch_};
        upstream_answer answer;
        // A pooled connection the upstream closed meanwhile fails at once; a request without
        // a body is then sent again, once, on a new connection (as nginx's proxy_next_upstream).
        for (bool first_try = true;; first_try = false) {
            bool may_retry = first_try && !has_body;
            if (!first_try || !take_pooled(*ex.gen->upstreams, lease, !may_retry)) {
                if (auto err = co_await acquire_upstream(*ex.gen->upstreams, cfg, lease, first_try,
                                                         !may_retry, first_try)) {
                    ex.upstream_time = since_if(upstream_started);
                    co_await refuse(ex, *err);
                    co_return false;
                }
            }
            ex.upstream = ex.gen->upstreams->name(lease.server);
            relay_deadlines deadlines{cfg.timeouts.body_read, cfg.timeouts.upstream_response};
            relay_result sent;
            if (request_framing == body_framing::none) {
                // The head alone: written here, without relay_sized_body's coroutine frame,
                // and at once when the socket takes it whole (it nearly always does).
                std::array<net::const_buffer, 1> unsent{net::buffer(upstream_head_)};
                if (!write_ready(*lease.stream, unsent)) {
                    watch_.arm(*lease.stream, deadlines.write);
                    co_await net::async_write(*lease.stream, unsent, use_ec(sent.ec));
                    sent.ec = watch_.outcome(sent.ec);
                }
                if (sent.ec)
                    sent.status = sent.ec == beast::error::timeout ? relay_status::write_timeout
                                                                   : relay_status::write_failed;
            } else if (request_framing == body_framing::chunked)
                sent = co_await relay_body(stream_, buffer_, *body_parser, *lease.stream,
                                           upstream_head_, request_framing, piece.data(),
                                           body_buffer::size, deadlines, piece_loaded, watch_);
            else
                sent = co_await relay_sized_body(stream_, buffer_, content_length, *lease.stream,
                                                 upstream_head_, piece.data(), body_buffer::size,
                                                 deadlines, watch_);
            ex.bytes_in = sent.body_bytes;
            bool stale = may_retry && lease.reused;
            if (sent.status != relay_status::done) {
                if (sent.status == relay_status::read_failed && is_framing_error(sent.ec)) {
                    co_await refuse(ex, 400, "bad_body_framing");
                    co_return false;
                }
                if (stale && sent.status == relay_status::write_failed) {
                    proxy_log()->debug("[{}] pooled connection to {} failed ({}); retrying",
                                       ex.request_id, ex.upstream, sent.ec.message());
                    continue;
                }
                ex.upstream_time = since_if(upstream_started);
                co_return co_await request_relay_failed(ex, sent.status);
            }
            auto ec = co_await read_upstream_head(cfg, lease, answer);
            if (!ec) break;
            if (stale && ec != beast::error::timeout) {
                proxy_log()->debug("[{}] pooled connection to {} gave no answer ({}); retrying",
                                   ex.request_id, ex.upstream, ec.message());
                continue;
            }
            proxy_log()->debug("[{}] upstream {} answered no readable head: {}", ex.request_id,
                               ex.upstream, ec.message());
            ex.upstream_time = since_if(upstream_started);
            co_await refuse(ex, ec == beast::error::timeout ? gateway_error::upstream_timeout
                                                            : gateway_error::upstream_bad_response);
            co_return false;
        }
        auto keep = co_await relay_response(ex, lease, answer, head_request, client_http10,
                                            client_keep_alive, upgrade, piece);
        ex.upstream_time = since_if(upstream_started);
        finish(ex);
        co_return keep;
    }

    // The login flow's paths (login_endpoints): answered here, never proxied. Their bodies are
    // small forms or sealed envelopes, read whole within the path's limit; a body without a
    // Content-Length is refused.
    template <class Parser>
    net::awaitable<bool> serve_login(exchange& ex, Parser& parser, const std::string& target) {
        const auto& login = *ex.gen->login;
        auto& req = parser.get();
        ex.target = login_endpoints::loggable_target(ex.target);  // no token in the access log
        const auto path = path_of(target);
        std::string body;
        if (!parser.is_done()) {
            const auto length = parser.content_length();
            if (!length) co_return co_await refuse_and_close(ex, 411, "length_required");
            if (*length > login.body_limit(path)) co_return co_await refuse_and_close(ex, gateway_error::body_too_large);
            if (!co_await answer_expect(ex, req[http::field::expect], false)) co_return false;
            if (!co_await read_whole_body(ex, static_cast<std::size_t>(*length), body)) co_return false;
        }
        const bool keep = req.keep_alive();
        login_request r{req.method_string(), target, path, ex.kind, req[http::field::cookie],
                        req[http::field::origin], req[http::field::referer],
                        req[http::field::user_agent], req[http::field::content_type], client_ip_,
                        ex.request_id, std::move(body)};
        // Made, then awaited: GCC 12 mishandles owning temporaries inside a co_await.
        auto answering = login.handle(std::move(r));
        auto answer = co_await std::move(answering);
        ex.reason = "login_flow";
        co_return co_await answer_locally(ex, answer, keep);
    }

    // Reads exactly `length` body bytes (some may be buffered already) into `body`.
    net::awaitable<bool> read_whole_body(exchange& ex, std::size_t length, std::string& body) {
        while (buffer_.size() < length) {
            client_deadline(ex.gen->cfg->timeouts.body_read);
            beast::error_code ec;
            auto n = co_await async_read_ready(stream_, buffer_.prepare(length - buffer_.size()), use_ec(ec));
            buffer_.commit(n);
            if (ec) co_return false;
        }
        body.assign(static_cast<const char*>(buffer_.data().data()), length);
        buffer_.consume(length);
        ex.bytes_in = length;
        co_return true;
    }

    template <class... Args>
    net::awaitable<bool> refuse_and_close(exchange& ex, Args... args) {
        co_await refuse(ex, args...);
        co_return false;
    }

    void describe(exchange& ex, const request_head_view& head, const config& cfg) {
        ex.method.assign(head.method);
        ex.target.assign(head.target);
        auto incoming_id = head.fields[known_field::x_request_id];
        if (well_formed_request_id(incoming_id)) ex.request_id.assign(incoming_id);
        else new_request_id(ex.request_id);
        const auto& f = head.fields;
        ex.kind = classify_request({f[known_field::sec_fetch_mode], f[known_field::sec_fetch_dest],
                                    f[known_field::accept], f[known_field::x_requested_with],
                                    path_of(ex.target)},
                                   cfg.routing.api_prefixes);
    }

    // Hands the request head (the first `head_bytes` of buffer_, already checked) to Beast's
    // parser in `request` and takes it out of the buffer. Null when Beast refuses it.
    client_request_parser* parse_with_beast(std::optional<client_request_parser>& request,
                                            const config& cfg, std::size_t head_bytes) {
        auto& parser = request.emplace();
        parser.header_limit(static_cast<std::uint32_t>(cfg.limits.max_header_bytes + 4));
        parser.body_limit(cfg.limits.max_body_bytes);
        beast::error_code ec;
        auto used = parser.put(net::buffer(buffer_.data().data(), head_bytes), ec);
        buffer_.consume(used);
        if (ec || !parser.is_header_done()) return nullptr;
        return &parser;
    }

    // Expect: 100-continue is answered here (the upstream never sees Expect); any other
    // expectation is refused with 417.
    net::awaitable<bool> answer_expect(exchange& ex, std::string_view expect, bool no_body) {
        if (expect.empty()) co_return true;
        if (!iequals(expect, "100-continue")) {
            co_await refuse(ex, 417, "expectation_failed");
            co_return false;
        }
        if (no_body) co_return true;
        static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
        beast::error_code ec;
        client_deadline(ex.gen->cfg->timeouts.body_read);
        co_await net::async_write(stream_, net::buffer(continue_line), use_ec(ec));
        co_return !ec;
    }

    // Picks the next server and lends its most recent idle pooled connection (probed for
    // liveness when `probe`), if it has one. Needs no wait, hence no coroutine: the usual case
    // of acquiring an upstream costs no coroutine frame.
    bool take_pooled(upstream_pool& pool, upstream_lease& lease, bool probe) {
        lease.server = pool.pick();
        if (lease.stream) watch_.disarm(*lease.stream);
        if (!pool.take_idle(lease.server, probe, lease.stream)) return false;
        lease.reused = true;
        return true;
    }

    // Takes an idle pooled connection (when allowed; probed for liveness when the request
    // cannot be retried) or opens a new one, trying each server at most once. `picked`: a
    // take_pooled() just found no idle connection for lease.server, which is tried first.
    net::awaitable<std::optional<gateway_error>> acquire_upstream(upstream_pool& pool,
                                                                  const config& cfg,
                                                                  upstream_lease& lease,
                                                                  bool allow_idle,
                                                                  bool probe_idle, bool picked) {
        bool timed_out = false;
        for (std::size_t attempt = 0; attempt < pool.size(); ++attempt) {
            const bool just_tried = picked && attempt == 0;
            if (!just_tried) lease.server = pool.pick();
            if (lease.stream) watch_.disarm(*lease.stream);
            if (allow_idle && !just_tried && pool.take_idle(lease.server, probe_idle, lease.stream)) {
                lease.reused = true;
                co_return std::nullopt;
            }
            lease.stream.emplace(pool.executor());
            lease.reused = false;
            beast::error_code ec;
            watch_.arm(*lease.stream, cfg.timeouts.upstream_connect);
            co_await lease.stream->async_connect(pool.endpoint(lease.server), use_ec(ec));
            ec = watch_.outcome(ec);
            if (!ec) {
                lease.stream->set_option(tcp::no_delay(true), ec);
                pool.report_connect_success(lease.server);
                co_return std::nullopt;
            }
            timed_out = timed_out || ec == beast::error::timeout;
            pool.report_connect_failure(lease.server);
        }
        co_return timed_out ? gateway_error::upstream_timeout : gateway_error::upstream_unavailable;
    }

    net::awaitable<bool> request_relay_failed(exchange& ex, relay_status s) {
        switch (s) {
            case relay_status::body_too_large: co_await refuse(ex, gateway_error::body_too_large); break;
            case relay_status::write_timeout: co_await refuse(ex, gateway_error::upstream_timeout); break;
            case relay_status::write_failed: co_await refuse(ex, gateway_error::upstream_unavailable); break;
            default:
                ex.status = 400;
                ex.reason = "client_body_aborted";
                finish(ex);
                break;
        }
        co_return false;
    }

    // Reads the upstream's response head into answer.buffer and parses it, in place, into
    // response_head_ (answer.head_bytes long), skipping informational 1xx answers other than
    // 101. Bytes after the head stay in the buffer.
    net::awaitable<beast::error_code> read_upstream_head(const config& cfg, upstream_lease& lease,
                                                         upstream_answer& answer) {
        auto& buffer = answer.buffer;
        buffer.clear();
        const std::size_t limit = std::min(cfg.limits.max_response_header_bytes, body_buffer::size);
        watch_.arm(*lease.stream, cfg.timeouts.upstream_response);
        std::size_t scanned = 0;
        for (;;) {
            const std::string_view bytes{static_cast<const char*>(buffer.data().data()),
                                         buffer.size()};
            const std::size_t from = scanned > 3 ? scanned - 3 : 0;
            if (auto end = find_head_end(bytes.substr(from))) {
                end += from;
                if (end > limit) co_return http::error::header_limit;
                if (!parse_response_head(bytes.substr(0, end), response_head_))
                    co_return http::error::bad_value;
                answer.head_bytes = end;
                const auto status = response_head_.status;
                if (status / 100 != 1 || status == 101) co_return beast::error_code{};
                buffer.consume(end);
                scanned = 0;
                watch_.arm(*lease.stream, cfg.timeouts.upstream_response);
                continue;
            }
            if (bytes.size() >= limit) co_return http::error::header_limit;
            scanned = bytes.size();
            beast::error_code ec;
            auto n = co_await async_read_ready(
                *lease.stream, buffer.prepare(buffer.max_size() - buffer.size()), use_ec(ec));
            buffer.commit(n);
            ec = watch_.outcome(ec);
            if (ec) co_return ec;
        }
    }

    // Relays the upstream's answer (head already read and parsed into response_head_) to the
    // client. Returns whether the client connection may carry another request.
    net::awaitable<bool> relay_response(exchange& ex, upstream_lease& lease,
                                        upstream_answer& answer, bool head_request,
                                        bool client_http10, bool client_keep_alive, bool upgrade,
                                        body_buffer& piece) {
        const config& cfg = *ex.gen->cfg;
        const response_head_view& res = response_head_;  // views into answer.buffer
        auto& upstream_buffer = answer.buffer;
        beast::error_code ec;
        ex.status = res.status;
        const bool tunnel = upgrade && ex.status == 101;
        const bool body_allowed = !head_request && ex.status != 204 && ex.status != 304 &&
                                  ex.status / 100 != 1;
        const bool length_known = res.content_length.has_value() || !body_allowed;
        const bool keep = client_keep_alive && !rt_.draining() && !tunnel &&
                          (length_known || !client_http10);
        client_response_framing out{tunnel, res.content_length, false, keep, client_http10};
        auto framing = body_allowed ? body_framing::raw : body_framing::none;
        if (!res.content_length && body_allowed && !client_http10) {
            out.chunked = true;
            framing = body_framing::chunked;
        }
        write_client_response_head(res, ex.request_id, out, wire_head_);
        bool reusable = res.keep_alive() && !res.body_until_close(body_allowed);

        bool complete = false;  // the whole answer was read: the connection may be reused
        if (!body_allowed) {
            upstream_buffer.consume(answer.head_bytes);
            client_deadline(cfg.timeouts.body_read);
            co_await net::async_write(stream_, net::buffer(wire_head_), use_ec(ec));
            if (ec) co_return false;
            if (tunnel) {
                co_await open_tunnel(cfg, *lease.stream, upstream_buffer);
                co_return false;
            }
            complete = ex.status != 101;  // a protocol switch the client did not ask for
        } else {
            relay_deadlines deadlines{cfg.timeouts.upstream_response, cfg.timeouts.body_read};
            relay_result got;
            if (res.content_length && upstream_buffer.size() - answer.head_bytes >= *res.content_length) {
                // The whole body came with the head (the usual small answer): one gathered
                // write, here, without relay_sized_body's coroutine frame.
                upstream_buffer.consume(answer.head_bytes);
                const auto size = static_cast<std::size_t>(*res.content_length);
                std::array<net::const_buffer, 2> unsent{
                    net::buffer(wire_head_), net::buffer(upstream_buffer.data().data(), size)};
                if (!write_ready(stream_, unsent)) {
                    client_deadline(deadlines.write);
                    co_await net::async_write(stream_, unsent, whole_write{}, use_ec(got.ec));
                    got.ec = watch_.outcome(got.ec);
                }
                if (got.ec) {
                    got.status = got.ec == beast::error::timeout ? relay_status::write_timeout
                                                                 : relay_status::write_failed;
                } else {
                    upstream_buffer.consume(size);
                    got.body_bytes = size;
                    complete = true;
                }
            } else if (res.content_length) {
                upstream_buffer.consume(answer.head_bytes);
                got = co_await relay_sized_body(*lease.stream, upstream_buffer, *res.content_length,
                                                stream_, wire_head_, piece.data(), body_buffer::size,
                                                deadlines, watch_);
                complete = got.status == relay_status::done;
            } else {
                // Chunked, or ending with the close: Beast's parser decodes the framing.
                auto& rp = answer.parser.emplace();
                rp.header_limit(static_cast<std::uint32_t>(
                    std::min(cfg.limits.max_response_header_bytes, body_buffer::size)));
                // Not boost::none: Beast 1.74 compares the length against an empty optional
                // and refuses every response with a Content-Length.
                rp.body_limit(std::numeric_limits<std::uint64_t>::max());
                auto used = rp.put(net::buffer(upstream_buffer.data().data(), answer.head_bytes), ec);
                upstream_buffer.consume(used);
                if (ec || !rp.is_header_done()) {
                    co_await refuse(ex, gateway_error::upstream_bad_response);
                    co_return false;
                }
                got = co_await relay_body(*lease.stream, upstream_buffer, rp, stream_, wire_head_,
                                          framing, piece.data(), body_buffer::size, deadlines,
                                          false, watch_);
                complete = rp.is_done() && !rp.need_eof();
                reusable = rp.keep_alive();
            }
            ex.bytes_out = got.body_bytes;
            if (got.status != relay_status::done) {
                ex.reason = got.status == relay_status::write_failed ||
                                    got.status == relay_status::write_timeout
                                ? "client_aborted"
                                : "upstream_aborted";
                co_return false;
            }
        }
        if (reusable && complete && upstream_buffer.size() == 0) {
            watch_.disarm(*lease.stream);
            ex.gen->upstreams->give_back(lease.server, std::move(*lease.stream));
        }
        co_return keep;
    }

    // Registers this connection under the account it now carries, so that a placement
    // change of that account can close it when idle (account_connections).
    void remember_account(std::uint64_t account_id) {
        auto* accounts = rt_.accounts();
        if (!accounts || (handle_ && handle_account_ == account_id)) return;
        forget_account();
        handle_ = std::make_shared<connection_handle>(socket_layer().native_handle());
        handle_->set_busy(true);
        handle_account_ = account_id;
        accounts->connections().add(account_id, handle_);
    }

    void forget_account() {
        if (!handle_) return;
        handle_->detach();
        if (auto* accounts = rt_.accounts()) accounts->connections().remove(handle_account_, handle_.get());
        handle_.reset();
    }

    net::awaitable<void> open_tunnel(const config& cfg, tcp::socket& upstream,
                                     beast::flat_static_buffer_base& upstream_buffer) {
        if (handle_) handle_->set_busy(false);  // a tunnel is closed on a placement change
        beast::error_code ec;
        if (buffer_.size()) {  // the client spoke first, right after its handshake
            watch_.arm(upstream, cfg.timeouts.body_read);
            co_await net::async_write(upstream, buffer_.data(), use_ec(ec));
            buffer_.consume(buffer_.size());
        }
        if (!ec && upstream_buffer.size()) {
            client_deadline(cfg.timeouts.body_read);
            co_await net::async_write(stream_, upstream_buffer.data(), use_ec(ec));
        }
        if (ec) co_return;
        // From here on the tunnel's own watchdogs keep its idle deadlines.
        watch_.disarm(upstream);
        watch_.disarm(socket_layer());
        co_await run_tunnel(stream_, upstream, cfg.timeouts.idle);
    }

    // Answers a routing decision (lock page, redirect, login, status...) without the
    // upstream. The connection stays open only when the request carried no unread body.
    net::awaitable<bool> answer_locally(exchange& ex, string_response& res, bool keep) {
        ex.status = res.result_int();
        res.keep_alive(keep && !rt_.draining());
        res.set("X-Request-Id", ex.request_id);
        beast::error_code ec;
        client_deadline(ex.gen->cfg->timeouts.body_read);
        co_await http::async_write(stream_, res, use_ec(ec));
        ex.bytes_out = res.body().size();
        finish(ex);
        if (ec) co_return false;
        if (res.keep_alive()) co_return true;
        co_await lingering_close();
        co_return false;
    }

    net::awaitable<void> refuse(exchange& ex, gateway_error e) {
        co_await refuse(ex, http_status(e), reason_name(e));
    }

    // Answers locally and closes: used for every refusal and every upstream failure before
    // the upstream's head was relayed.
    net::awaitable<void> refuse(exchange& ex, unsigned status, std::string_view reason) {
        ex.status = status;
        ex.reason = reason;
        if (status == 400 || status == 413 || status == 417) rt_.metrics().count_rejection(reason);
        auto res = local_reply(status, reason, ex.kind);
        res.keep_alive(false);
        if (!ex.request_id.empty()) res.set("X-Request-Id", ex.request_id);
        beast::error_code ec;
        client_deadline(ex.gen->cfg->timeouts.body_read);
        co_await http::async_write(stream_, res, use_ec(ec));
        finish(ex);
        co_await lingering_close();
    }

    // Half-closes, then reads and discards what the client still sends for a moment, so the
    // kernel does not reset the connection before the client has read our answer.
    net::awaitable<void> lingering_close() {
        beast::error_code ec;
        if constexpr (!std::is_same_v<Stream, tcp::socket>) {
            client_deadline(lingering_close_time);
            co_await stream_.async_shutdown(use_ec(ec));
        }
        socket_layer().shutdown(tcp::socket::shutdown_send, ec);
        std::array<char, 4096> sink;
        auto deadline = clock_type::now() + lingering_close_time;
        for (std::size_t drained = 0; drained < 256 * 1024 && clock_type::now() < deadline;) {
            watch_.arm_until(socket_layer(), deadline);
            drained += co_await socket_layer().async_read_some(net::buffer(sink), use_ec(ec));
            if (ec) break;
        }
        watch_.disarm(socket_layer());
        socket_layer().close(ec);
    }

    void finish(exchange& ex) {
        if (std::exchange(ex.finished, true)) return;
        auto took = since(ex.started);
        rt_.metrics().count_request(ex.status, ex.reason, took);
        if (!access_log::enabled()) return;
        access_log::write({ex.request_id, connection_id_, client_ip_, ex.method, ex.target,
                           ex.status, ex.reason, ex.bytes_in, ex.bytes_out, ex.upstream, took,
                           ex.upstream_time});
    }

    runtime& rt_;
    Stream stream_;
    bool tls_;
    beast::flat_buffer buffer_;
    io_watchdog watch_;  // deadlines of the client's and the upstream's operations
    std::string wire_head_;      // the client-bound head, serialised; reused across requests
    std::string upstream_head_;  // the upstream-bound head, serialised; reused likewise
    request_head_view request_head_;    // this request's head: views into buffer_
    response_head_view response_head_;  // the upstream's head: views into its answer's buffer
    std::string client_ip_;
    std::string connection_id_;
    session_memo session_memo_;  // the session this connection's cookie opened last
    upstream_request_edits edits_{request_head_.fields};  // the router's, reset per request
    exchange exchange_;          // the request being served, reset per request (see serve_one)
    std::shared_ptr<connection_handle> handle_;  // set once an account's request was proxied
    std::uint64_t handle_account_ = 0;
};

}  // namespace

net::awaitable<void> serve_plain_connection(runtime& rt, tcp::socket socket) {
    client_session<tcp::socket> session{rt, std::move(socket), false};
    co_await session.run();
}

net::awaitable<void> serve_tls_connection(runtime& rt, tcp::socket socket,
                                          std::shared_ptr<net::ssl::context> tls) {
    client_session<tls_stream> session{rt, tls_stream(std::move(socket), *tls), true};
    co_await session.run();
}

}  // namespace gangway
