#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "gateway/server/event_loop_stats.hpp"

namespace gangway {

// The gateway's Prometheus metrics. One instance per process, shared by every connection;
// all methods are thread-safe. Reason strings passed in must have static storage duration
// (they are the stable names from gateway_error, head_rejection and the proxy outcomes), so
// the per-request path caches its series without allocating.
class gateway_metrics {
public:
    gateway_metrics();

    void count_request(unsigned status, std::string_view reason, std::chrono::microseconds took);
    void count_rejection(std::string_view reason);
    void count_reload(bool applied);
    // The series of one upstream server, looked up once when the pool is built.
    struct upstream_series {
        prometheus::Gauge* healthy;
        prometheus::Gauge* idle;
        prometheus::Counter* connects_ok;
        prometheus::Counter* connects_failed;
    };
    upstream_series upstream(const std::string& server);
    void connection_opened() { connections_active_.Increment(); }
    void connection_closed() { connections_active_.Decrement(); }
    void request_started() { requests_in_flight_.Increment(); }
    void request_finished() { requests_in_flight_.Decrement(); }

    // The placement cache as last observed (set just before each scrape).
    struct placement_snapshot {
        double age_ms;  // -1 before the first load
        double accounts;
        double bytes;
        double version_seen;
        bool database_reachable;
    };
    void set_placement(const placement_snapshot& p);

    // The login flow (low rate: series are looked up per call). Labels are the stable names
    // of the login code: path local|forwarded, outcomes, handoff events, refusal reasons.
    void count_login(std::string_view path, std::string_view outcome);
    void count_handoff(std::string_view event);
    void count_envelope_refused(std::string_view reason);
    void count_rate_limited(std::string_view key, bool shadow);
    void count_reset(std::string_view path, std::string_view outcome);

    // The event loop's idle moments: it counts them here, and each scrape publishes them.
    event_loop_stats& event_loop() noexcept { return event_loop_; }
    void publish_event_loop();

    // Prometheus text exposition format, version 0.0.4.
    std::string text() const;

private:
    struct request_series_pair {
        prometheus::Counter* counter;
        prometheus::Histogram* histogram;
    };
    // The series of (status, reason), from a small per-thread cache, else from the maps below.
    request_series_pair request_series(unsigned status, std::string_view reason);
    request_series_pair request_series_locked(unsigned status, std::string_view reason);

    struct series_key {
        unsigned status;
        std::string_view reason;
        bool operator==(const series_key&) const = default;
    };
    struct series_key_hash {
        std::size_t operator()(const series_key& k) const noexcept {
            return std::hash<std::string_view>{}(k.reason) * 31 + k.status;
        }
    };

    std::shared_ptr<prometheus::Registry> registry_;
    prometheus::Family<prometheus::Counter>& requests_;
    prometheus::Family<prometheus::Histogram>& latency_;
    prometheus::Family<prometheus::Counter>& rejections_;
    prometheus::Family<prometheus::Counter>& reloads_;
    prometheus::Family<prometheus::Counter>& upstream_connects_;
    prometheus::Family<prometheus::Gauge>& upstream_healthy_;
    prometheus::Family<prometheus::Gauge>& upstream_idle_;
    prometheus::Gauge& connections_active_;
    prometheus::Gauge& requests_in_flight_;
    prometheus::Family<prometheus::Gauge>& placement_;
    prometheus::Family<prometheus::Counter>& logins_;
    prometheus::Family<prometheus::Counter>& handoffs_;
    prometheus::Family<prometheus::Counter>& envelopes_refused_;
    prometheus::Family<prometheus::Counter>& rate_limited_;
    prometheus::Family<prometheus::Counter>& resets_;
    prometheus::Family<prometheus::Counter>& loop_idle_;
    prometheus::Counter& loop_poll_seconds_;
    prometheus::Gauge& loop_polling_;
    event_loop_stats event_loop_;
    struct published_loop {
        std::uint64_t polled_work = 0, polled_none = 0, slept = 0, poll_ns = 0;
    };
    std::mutex loop_mutex_;
    published_loop loop_published_;  // guarded by loop_mutex_

    // Tells this instance's entries in the per-thread caches from those of an earlier instance
    // that lived at the same address (tests build several).
    const std::uint64_t instance_id_;
    std::mutex cache_mutex_;
    std::unordered_map<series_key, prometheus::Counter*, series_key_hash> request_series_;
    std::unordered_map<std::string_view, prometheus::Histogram*> latency_series_;
};

}  // namespace gangway
