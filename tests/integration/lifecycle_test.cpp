// The gateway process over its life: config reload (admin API and SIGHUP), draining on
// SIGTERM, and the command-line verbs that do not serve.
#include <signal.h>

#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/support/fake_upstream.hpp"
#include "tests/integration/support/gateway_process.hpp"
#include "tests/integration/support/raw_client.hpp"

namespace gangway::integration {
namespace {

using namespace std::chrono_literals;

// The value of the sample line `series` (e.g. `name{label="x"}`) in Prometheus text, or -1.
double metric_value(const std::string& text, std::string_view series) {
    std::size_t at = 0;
    while ((at = text.find(series, at)) != std::string::npos) {
        bool line_start = at == 0 || text[at - 1] == '\n';
        auto after = at + series.size();
        if (line_start && after < text.size() && text[after] == ' ')
            return std::stod(text.substr(after + 1, text.find('\n', after) - after - 1));
        at = after;
    }
    return -1;
}

std::optional<std::string> served_by(const gateway_process& gw) {
    auto res = fetch(transport::plain, gw.plain_port(), {}, simple_request("GET", "/"));
    if (res.status != 200) return std::nullopt;
    return res.header("X-Upstream");
}

TEST(ReloadTest, InvalidConfigIsRefusedAndOldConfigKeepsServing) {
    fake_upstream a{"a"};
    auto settings = settings_for({a.port()});
    gateway_process gw{settings};
    ASSERT_EQ(served_by(gw), "a");

    gw.write_config(gw.config_text(settings) +
                    "[routing]\napi_prefixes = [\"no-leading-slash\"]\nbogus_key = 1\n");
    auto res = gw.admin("POST", "/admin/v1/reload", true);
    EXPECT_EQ(res.status, 422u);
    auto body = nlohmann::json::parse(res.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << res.body;
    EXPECT_EQ(body["applied"], false);
    ASSERT_TRUE(body["errors"].is_array());
    EXPECT_GE(body["errors"].size(), 2u) << res.body;
    EXPECT_NE(res.body.find("routing.bogus_key"), std::string::npos) << res.body;
    EXPECT_NE(res.body.find("routing.api_prefixes"), std::string::npos) << res.body;

    EXPECT_EQ(served_by(gw), "a");
    auto metrics = gw.admin("GET", "/metrics", true).body;
    EXPECT_EQ(metric_value(metrics, "gangway_config_reloads_total{result=\"refused\"}"), 1)
        << metrics;
    EXPECT_EQ(metric_value(metrics, "gangway_config_reloads_total{result=\"applied\"}"), 0)
        << metrics;
}

TEST(ReloadTest, ReloadNeedsToken) {
    fake_upstream a{"a"};
    gateway_process gw{settings_for({a.port()})};
    EXPECT_EQ(gw.admin("POST", "/admin/v1/reload", false).status, 401u);
}

// A reload that makes `change` to the server's settings is refused, naming `key`, and the
// running config keeps serving.
void expect_server_change_refused(const std::function<void(gateway_settings&)>& change, const std::string& key) {
    fake_upstream a{"a"};
    auto settings = settings_for({a.port()});
    gateway_process gw{settings};
    change(settings);
    gw.write_config(gw.config_text(settings));
    auto res = gw.admin("POST", "/admin/v1/reload", true);
    EXPECT_EQ(res.status, 422u);
    EXPECT_NE(res.body.find(key), std::string::npos) << res.body;
    EXPECT_EQ(served_by(gw), "a");
}

TEST(ReloadTest, ListenerChangeIsRefused) {
    expect_server_change_refused([](gateway_settings& s) { s.worker_threads = 2; }, "server.worker_threads");
}

TEST(ReloadTest, SighupAppliesNewUpstream) {
    fake_upstream a{"a"};
    fake_upstream b{"b"};
    auto settings = settings_for({a.port()});
    gateway_process gw{settings};
    ASSERT_EQ(served_by(gw), "a");

    settings.upstream_ports = {b.port()};
    gw.write_config(gw.config_text(settings));
    gw.send_signal(SIGHUP);
    EXPECT_TRUE(wait_until(5s, [&] { return served_by(gw) == "b"; }));
    EXPECT_EQ(served_by(gw), "b");
    auto metrics = gw.admin("GET", "/metrics", true).body;
    EXPECT_EQ(metric_value(metrics, "gangway_config_reloads_total{result=\"applied\"}"), 1)
        << metrics;
}

TEST(ReloadTest, AdminReloadAppliesValidConfig) {
    fake_upstream a{"a"};
    fake_upstream b{"b"};
    auto settings = settings_for({a.port()});
    gateway_process gw{settings};
    ASSERT_EQ(served_by(gw), "a");
    settings.upstream_ports = {b.port()};
    gw.write_config(gw.config_text(settings));
    auto res = gw.admin("POST", "/admin/v1/reload", true);
    EXPECT_EQ(res.status, 200u) << res.body;
    EXPECT_EQ(served_by(gw), "b");
}

// The event loop that polls before it sleeps (server.idle_poll_us) serves, sleeps when idle
// (an idle request arrives after a pause) and stops on SIGTERM like the one that does not.
TEST(DrainTest, APollingEventLoopServesAndStops) {
    fake_upstream a{"a"};
    auto settings = settings_for({a.port()});
    settings.idle_poll_us = 50;
    gateway_process gw{settings};
    for (int i = 0; i < 20; ++i) ASSERT_EQ(served_by(gw), "a");
    raw_client held{transport::plain, gw.plain_port()};
    held.send(simple_request("GET", "/hold"));
    ASSERT_TRUE(a.wait_held(1, 5s));  // the gateway waits on the upstream: its loop sleeps
    gw.send_signal(SIGTERM);
    EXPECT_TRUE(wait_until(5s, [&] { return connection_refused(gw.plain_port()); }));
    a.release();
    EXPECT_EQ(held.read_response().status, 200u);
    auto status = gw.wait_exit(5s);
    ASSERT_TRUE(status.has_value()) << "did not exit after draining";
    EXPECT_EQ(*status, 0);
}

// The largest polling window there is (server.idle_poll_us = 1000), in front of `upstream`.
gateway_settings widest_poll_window(const fake_upstream& upstream) {
    auto settings = settings_for({upstream.port()});
    settings.idle_poll_us = 1000;
    return settings;
}

// gangway_event_loop_idle_total for one outcome.
double loop_idle(const std::string& metrics, const std::string& outcome) {
    return metric_value(metrics, "gangway_event_loop_idle_total{outcome=\"" + outcome + "\"}");
}

// Light load: an app that takes 3 ms to answer, so the gap in which the gateway waits for it is
// longer than the polling window, and the loop must not poll through it
// (server.idle_poll_us is a maximum, tried in trials, not a price paid at every idle moment).
// With the largest window, polling through each of these waits would cost at least 1 ms of
// CPU per request: 300 ms here, against a few tens without.
TEST(DrainTest, ALightlyLoadedGatewayDoesNotPoll) {
    fake_upstream a{"a"};
    gateway_process gw{widest_poll_window(a)};
    ASSERT_EQ(served_by(gw), "a");
    const auto cpu_before = gw.cpu_time();
    raw_client c{transport::plain, gw.plain_port()};
    for (int i = 0; i < 300; ++i) {
        c.send(simple_request("GET", "/delay/3"));
        ASSERT_EQ(c.read_response().status, 200u) << "request " << i;
    }
    const auto used = gw.cpu_time() - cpu_before;
    EXPECT_LT(used, 150ms) << used.count() << " ms of CPU for 300 requests";
    const auto metrics = gw.admin("GET", "/metrics", true).body;
    EXPECT_GE(loop_idle(metrics, "slept"), 300) << metrics;
    EXPECT_EQ(metric_value(metrics, "gangway_event_loop_polling"), 0) << metrics;
}

// Busy: requests back to back on one connection, every gap between events far inside the
// window. After its first spell of sleeps the loop tries polling, its polls find work, and it
// keeps polling; /metrics says so. Then SIGTERM stops the polling loop like any other.
TEST(DrainTest, ABusyGatewayPollsThroughItsShortGaps) {
    fake_upstream a{"a"};
    gateway_process gw{widest_poll_window(a)};
    raw_client c{transport::plain, gw.plain_port()};
    // Batches of requests until the polls have caught work 100 times: how many it takes depends
    // on how often the loop runs out of work, which a busy machine changes (a trial starts only
    // after 4096 sleeps).
    std::string metrics;
    double caught = 0, missed = 0;
    for (int batch = 0; batch < 20 && caught <= 100; ++batch) {
        for (int i = 0; i < 1000; ++i) {
            c.send(simple_request("GET", "/"));
            ASSERT_EQ(c.read_response().status, 200u) << "batch " << batch << ", request " << i;
        }
        metrics = gw.admin("GET", "/metrics", true).body;
        caught = loop_idle(metrics, "polled_work");
        missed = loop_idle(metrics, "polled_none");
    }
    EXPECT_GT(caught, 100) << metrics;
    EXPECT_GT(caught, missed) << metrics;
    EXPECT_GT(metric_value(metrics, "gangway_event_loop_poll_seconds_total"), 0) << metrics;
    gw.send_signal(SIGTERM);
    EXPECT_EQ(gw.wait_exit(5s), 0) << gw.stderr_text();
}

TEST(ReloadTest, IdlePollChangeIsRefused) {
    expect_server_change_refused([](gateway_settings& s) { s.idle_poll_us = 50; }, "server.idle_poll_us");
}

TEST(DrainTest, SigtermFinishesInFlightRequestThenExits) {
    fake_upstream a{"a"};
    auto settings = settings_for({a.port()});
    settings.drain_ms = 10000;
    gateway_process gw{settings};
    raw_client held{transport::plain, gw.plain_port()};
    held.send(simple_request("GET", "/hold"));
    ASSERT_TRUE(a.wait_held(1, 5s));
    raw_client held_tls{transport::tls, gw.tls_port(), ca_file()};
    held_tls.send(simple_request("GET", "/hold"));
    ASSERT_TRUE(a.wait_held(2, 5s));

    gw.send_signal(SIGTERM);
    EXPECT_TRUE(wait_until(5s, [&] { return gw.admin("GET", "/readyz", false).status == 503; }));
    EXPECT_EQ(gw.admin("GET", "/healthz", false).status, 200u);
    EXPECT_TRUE(wait_until(5s, [&] { return connection_refused(gw.plain_port()); }));
    EXPECT_TRUE(connection_refused(gw.tls_port()));
    EXPECT_FALSE(gw.wait_exit(0ms).has_value()) << "exited with requests in flight";

    a.release();
    auto res = held.read_response();
    EXPECT_EQ(res.status, 200u);
    EXPECT_EQ(res.body, "released");
    EXPECT_EQ(res.header("Connection"), "close");
    auto res_tls = held_tls.read_response();
    EXPECT_EQ(res_tls.status, 200u);
    EXPECT_EQ(res_tls.body, "released");
    EXPECT_EQ(gw.wait_exit(10s), 0) << gw.stderr_text();
}

TEST(DrainTest, SigtermWithNothingInFlightExitsAtOnce) {
    fake_upstream a{"a"};
    gateway_process gw{settings_for({a.port()})};
    ASSERT_EQ(served_by(gw), "a");
    raw_client idle{transport::plain, gw.plain_port()};  // an idle keep-alive connection
    gw.send_signal(SIGTERM);
    EXPECT_EQ(gw.wait_exit(5s), 0) << gw.stderr_text();
}

TEST(DrainTest, DrainDeadlineEndsStuckRequest) {
    fake_upstream a{"a"};
    auto settings = settings_for({a.port()});
    settings.drain_ms = 300;
    gateway_process gw{settings};
    raw_client held{transport::plain, gw.plain_port()};
    held.send(simple_request("GET", "/hold"));
    ASSERT_TRUE(a.wait_held(1, 5s));
    gw.send_signal(SIGTERM);
    EXPECT_EQ(gw.wait_exit(5s), 0) << gw.stderr_text();
    EXPECT_TRUE(held.closed_by_peer());
}

// ---- verbs that do not serve -----------------------------------------------------------------

TEST(CommandLineTest, CheckConfigReportsEveryErrorAndExits2) {
    temp_dir dir;
    auto path = dir.path() / "bad.toml";
    {
        std::ofstream out(path);
        out << "[server]\nworker_threads = 0\n[timeouts]\nidle_ms = \"soon\"\n";
    }
    auto r = run_gangway({"check-config", "--config", path.string()});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("server.worker_threads"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("timeouts.idle_ms"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("upstream.servers: required"), std::string::npos) << r.err;
}

TEST(CommandLineTest, CheckConfigAcceptsValidConfig) {
    fake_upstream a;
    gateway_process gw{settings_for({a.port()})};
    auto r = run_gangway({"check-config", "--config", gw.config_path().string()});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("config OK"), std::string::npos) << r.out;
}

TEST(CommandLineTest, CheckConfigMissingFileExits2) {
    auto r = run_gangway({"check-config", "--config", "/nonexistent/gangway.toml"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
}

TEST(CommandLineTest, VersionPrintsTheVersion) {
    auto r = run_gangway({"--version"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("gangway ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find_first_of("0123456789"), std::string::npos) << r.out;
}

TEST(CommandLineTest, MigrateWithoutItsOptionsExits2) {
    auto r = run_gangway({"migrate", "5"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE((r.out + r.err).find("--config is required"), std::string::npos) << r.out << r.err;
}

TEST(CommandLineTest, ServeWithBadConfigExits2) {
    temp_dir dir;
    auto path = dir.path() / "bad.toml";
    {
        std::ofstream out(path);
        out << "[server]\nworker_threads = 1\n";
    }
    auto r = run_gangway({"serve", "--config", path.string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("config error"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace gangway::integration
