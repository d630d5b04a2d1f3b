#include "gateway/server/serve_command.hpp"

#include <utility>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>
#include <unistd.h>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "common/config/config_loader.hpp"
#include "common/log/loggers.hpp"
#include "gateway/admin/admin_server.hpp"
#include "gateway/server/connection.hpp"
#include "gateway/server/event_loop.hpp"
#include "gateway/server/listener.hpp"
#include "gateway/admin/accounts_routes.hpp"
#include "gateway/server/account_services.hpp"
#include "gateway/server/runtime.hpp"

namespace gangway {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr auto drain_poll_interval = std::chrono::milliseconds(10);

struct listeners {
    std::optional<listener> tls;
    std::optional<listener> plain;
    std::optional<listener> admin;

    void stop_public() {
        if (tls) tls->stop();
        if (plain) plain->stop();
    }
    void stop_all() {
        stop_public();
        if (admin) admin->stop();
    }
};

void write_ready_file(const std::string& path, const listeners& l) {
    nlohmann::json ready = {{"pid", ::getpid()},
                            {"tls_port", l.tls ? l.tls->port() : 0},
                            {"plain_port", l.plain ? l.plain->port() : 0},
                            {"admin_port", l.admin->port()}};
    auto tmp = path + ".tmp";
    std::ofstream(tmp) << ready.dump() << "\n";
    std::filesystem::rename(tmp, path);  // readers never see a half-written file
}

// Readiness goes false and the public ports close at once; requests in flight get up to
// timeouts.drain to finish, then the process stops (idle keep-alive connections are dropped).
net::awaitable<void> drain(net::io_context& ioc, runtime& rt, listeners& l) {
    auto log = component_logger("server");
    rt.start_drain();
    l.stop_public();
    auto deadline = std::chrono::steady_clock::now() + rt.current()->cfg->timeouts.drain;
    log->info("draining: {} request(s) in flight", rt.requests_in_flight());
    net::steady_timer tick{ioc};
    while (rt.requests_in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
        tick.expires_after(drain_poll_interval);
        boost::system::error_code ec;
        co_await tick.async_wait(net::redirect_error(net::use_awaitable, ec));
    }
    if (rt.requests_in_flight() > 0)
        log->warn("drain deadline passed with {} request(s) in flight", rt.requests_in_flight());
    else
        log->info("drained");
    l.stop_all();
    ioc.stop();
}

net::awaitable<void> handle_signals(net::io_context& ioc, net::signal_set& signals, runtime& rt,
                                    listeners& l) {
    for (;;) {
        boost::system::error_code ec;
        int sig = co_await signals.async_wait(net::redirect_error(net::use_awaitable, ec));
        if (ec) co_return;
        if (sig == SIGHUP) {
            rt.reload();
            continue;
        }
        co_await drain(ioc, rt, l);
        co_return;
    }
}

}  // namespace

int run_serve(const serve_options& options) {
    auto loaded = load_config(options.config_path);
    if (!loaded.value) {
        for (const auto& e : loaded.errors) std::cerr << "config error: " << e.to_string() << "\n";
        return 2;
    }
    auto cfg = loaded.value;
    init_logging(cfg->log);
    auto log = component_logger("server");
    std::signal(SIGPIPE, SIG_IGN);
    try {
        unsigned threads = cfg->server.worker_threads;
        net::io_context ioc{static_cast<int>(threads)};
        runtime rt{ioc.get_executor(), cfg};
        admin_routes routes{rt};
        if (auto* accounts = rt.accounts()) add_accounts_routes(routes, *accounts, rt);
        listeners l;
        if (cfg->server.tls)
            l.tls.emplace(ioc, cfg->server.tls->listen, threads, [&rt](tcp::socket s) {
                return serve_tls_connection(rt, std::move(s), rt.current()->tls);
            });
        if (cfg->server.plain)
            l.plain.emplace(ioc, cfg->server.plain->listen, threads, [&rt](tcp::socket s) {
                return serve_plain_connection(rt, std::move(s));
            });
        l.admin.emplace(ioc, cfg->admin.listen, threads, [&rt, &routes](tcp::socket s) {
            return serve_admin_connection(routes, rt, std::move(s));
        });
        for (auto* each : {&l.tls, &l.plain, &l.admin})
            if (*each) (*each)->start();
        // Installed before the ready file exists, so a signal sent right after it is handled.
        net::signal_set signals{ioc, SIGTERM, SIGINT, SIGHUP};
        net::co_spawn(ioc, handle_signals(ioc, signals, rt, l), net::detached);
        if (!options.ready_file.empty()) write_ready_file(options.ready_file, l);
        log->info("gateway {} serving (tls port {}, plain port {}, admin port {}, {} thread(s))",
                  cfg->server.instance_id, l.tls ? l.tls->port() : 0, l.plain ? l.plain->port() : 0,
                  l.admin->port(), threads);
        std::vector<std::thread> workers;
        for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&ioc] { ioc.run(); });
        run_event_loop(ioc, threads == 1 ? cfg->server.idle_poll : std::chrono::microseconds{0},
                       rt.metrics().event_loop());
        for (auto& w : workers) w.join();
        if (auto* accounts = rt.accounts()) accounts->stop();  // the fence stops waiting for us
        log->info("stopped");
        return 0;
    } catch (const std::exception& e) {
        log->error("cannot start: {}", e.what());
        return 1;
    }
}

}  // namespace gangway
