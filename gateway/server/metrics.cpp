#include "gateway/server/metrics.hpp"

#include <array>
#include <atomic>

#include <prometheus/text_serializer.h>

namespace gangway {
namespace {

const prometheus::Histogram::BucketBoundaries latency_buckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

std::atomic<std::uint64_t> next_instance_id{1};

prometheus::Family<prometheus::Counter>& counter_family(prometheus::Registry& r, const char* name,
                                                        const char* help) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

// Per thread, the last few (status, reason) series used: a request then finds its series
// without the mutex and the two hash lookups. Reasons have static storage, so their address
// and length identify them; the same reason text at another address only costs a miss.
struct cached_request_series {
    std::uint64_t instance = 0;  // 0: empty slot
    unsigned status = 0;
    const char* reason = nullptr;
    std::size_t reason_size = 0;
    prometheus::Counter* counter = nullptr;
    prometheus::Histogram* histogram = nullptr;
};
constexpr std::size_t cached_series_per_thread = 8;
thread_local std::array<cached_request_series, cached_series_per_thread> series_cache{};
thread_local std::size_t series_cache_next = 0;  // the slot replaced on the next miss

}  // namespace

gateway_metrics::gateway_metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("gangway_requests_total")
                    .Help("Requests answered, by HTTP status and reason")
                    .Register(*registry_)),
      latency_(prometheus::BuildHistogram()
                   .Name("gangway_request_duration_seconds")
                   .Help("Time from request head to the end of the response, by reason")
                   .Register(*registry_)),
      rejections_(prometheus::BuildCounter()
                      .Name("gangway_rejections_total")
                      .Help("Requests refused before reaching an upstream, by reason")
                      .Register(*registry_)),
      reloads_(prometheus::BuildCounter()
                   .Name("gangway_config_reloads_total")
                   .Help("Configuration reloads, by result (applied or refused)")
                   .Register(*registry_)),
      upstream_connects_(prometheus::BuildCounter()
                             .Name("gangway_upstream_connects_total")
                             .Help("New upstream connections, by server and result")
                             .Register(*registry_)),
      upstream_healthy_(prometheus::BuildGauge()
                            .Name("gangway_upstream_healthy")
                            .Help("1 when the upstream server is taking requests, 0 when down")
                            .Register(*registry_)),
      upstream_idle_(prometheus::BuildGauge()
                         .Name("gangway_upstream_idle_connections")
                         .Help("Idle keep-alive connections pooled per upstream server")
                         .Register(*registry_)),
      connections_active_(prometheus::BuildGauge()
                              .Name("gangway_client_connections")
                              .Help("Open client connections")
                              .Register(*registry_)
                              .Add({})),
      requests_in_flight_(prometheus::BuildGauge()
                              .Name("gangway_requests_in_flight")
                              .Help("Requests read but not yet fully answered")
                              .Register(*registry_)
                              .Add({})),
      placement_(prometheus::BuildGauge()
                     .Name("gangway_placement_cache")
                     .Help("Placement cache: age_ms since the last successful refresh (-1: never), "
                           "accounts, bytes, version_seen, database_reachable (1/0)")
                     .Register(*registry_)),
      logins_(counter_family(*registry_, "gangway_logins_total",
                             "Login attempts, by path (local, forwarded) and outcome")),
      handoffs_(counter_family(*registry_, "gangway_handoffs_total",
                               "Handoff tokens issued, redeemed, and refused by reason")),
      envelopes_refused_(counter_family(*registry_, "gangway_envelopes_refused_total",
                                        "Peer envelopes refused, by reason")),
      rate_limited_(counter_family(*registry_, "gangway_login_rate_limited_total",
                                   "Logins limited by key (ip, email); mode shadow only counted")),
      resets_(counter_family(*registry_, "gangway_password_resets_total",
                             "Forgotten-password requests, by path and outcome")),
      loop_idle_(counter_family(*registry_, "gangway_event_loop_idle_total",
                                "Times the event loop ran out of work, by outcome: polled_work "
                                "(polling found work), polled_none (polling ran out, then it "
                                "slept), slept (slept at once)")),
      loop_poll_seconds_(counter_family(*registry_, "gangway_event_loop_poll_seconds_total",
                                        "Time the event loop spent polling (server.idle_poll_us)")
                             .Add({})),
      loop_polling_(prometheus::BuildGauge()
                        .Name("gangway_event_loop_polling")
                        .Help("1 while the event loop's trials say polling pays, else 0")
                        .Register(*registry_)
                        .Add({})),
      instance_id_(next_instance_id.fetch_add(1, std::memory_order_relaxed)) {
    reloads_.Add({{"result", "applied"}});
    reloads_.Add({{"result", "refused"}});
}

void gateway_metrics::publish_event_loop() {
    const auto read = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    const published_loop now{read(event_loop_.polled_work), read(event_loop_.polled_none),
                             read(event_loop_.slept), read(event_loop_.poll_ns)};
    std::lock_guard lock{loop_mutex_};
    const auto delta = [](std::uint64_t to, std::uint64_t from) { return static_cast<double>(to - from); };
    loop_idle_.Add({{"outcome", "polled_work"}}).Increment(delta(now.polled_work, loop_published_.polled_work));
    loop_idle_.Add({{"outcome", "polled_none"}}).Increment(delta(now.polled_none, loop_published_.polled_none));
    loop_idle_.Add({{"outcome", "slept"}}).Increment(delta(now.slept, loop_published_.slept));
    loop_poll_seconds_.Increment(delta(now.poll_ns, loop_published_.poll_ns) / 1e9);
    loop_polling_.Set(event_loop_.polling.load(std::memory_order_relaxed) ? 1 : 0);
    loop_published_ = now;
}

void gateway_metrics::set_placement(const placement_snapshot& p) {
    placement_.Add({{"measure", "age_ms"}}).Set(p.age_ms);
    placement_.Add({{"measure", "accounts"}}).Set(p.accounts);
    placement_.Add({{"measure", "bytes"}}).Set(p.bytes);
    placement_.Add({{"measure", "version_seen"}}).Set(p.version_seen);
    placement_.Add({{"measure", "database_reachable"}}).Set(p.database_reachable ? 1 : 0);
}

void gateway_metrics::count_request(unsigned status, std::string_view reason,
                                    std::chrono::microseconds took) {
    const auto series = request_series(status, reason);
    series.counter->Increment();
    series.histogram->Observe(static_cast<double>(took.count()) / 1e6);
}

gateway_metrics::request_series_pair gateway_metrics::request_series(unsigned status,
                                                                     std::string_view reason) {
    for (const auto& c : series_cache)
        if (c.instance == instance_id_ && c.status == status && c.reason == reason.data() &&
            c.reason_size == reason.size())
            return {c.counter, c.histogram};
    const auto found = request_series_locked(status, reason);
    series_cache[series_cache_next] = {instance_id_, status,         reason.data(),
                                       reason.size(), found.counter, found.histogram};
    series_cache_next = (series_cache_next + 1) % cached_series_per_thread;
    return found;
}

gateway_metrics::request_series_pair gateway_metrics::request_series_locked(
    unsigned status, std::string_view reason) {
    std::lock_guard lock(cache_mutex_);
    auto& c = request_series_[{status, reason}];
    if (!c) c = &requests_.Add({{"status", std::to_string(status)}, {"reason", std::string(reason)}});
    auto& h = latency_series_[reason];
    if (!h) h = &latency_.Add({{"reason", std::string(reason)}}, latency_buckets);
    return {c, h};
}

void gateway_metrics::count_rejection(std::string_view reason) {
    rejections_.Add({{"reason", std::string(reason)}}).Increment();
}

void gateway_metrics::count_reload(bool applied) {
    reloads_.Add({{"result", applied ? "applied" : "refused"}}).Increment();
}

void gateway_metrics::count_login(std::string_view path, std::string_view outcome) {
    logins_.Add({{"path", std::string(path)}, {"outcome", std::string(outcome)}}).Increment();
}

void gateway_metrics::count_handoff(std::string_view event) {
    handoffs_.Add({{"event", std::string(event)}}).Increment();
}

void gateway_metrics::count_envelope_refused(std::string_view reason) {
    envelopes_refused_.Add({{"reason", std::string(reason)}}).Increment();
}

void gateway_metrics::count_rate_limited(std::string_view key, bool shadow) {
    rate_limited_.Add({{"key", std::string(key)}, {"mode", shadow ? "shadow" : "enforced"}}).Increment();
}

void gateway_metrics::count_reset(std::string_view path, std::string_view outcome) {
    resets_.Add({{"path", std::string(path)}, {"outcome", std::string(outcome)}}).Increment();
}

gateway_metrics::upstream_series gateway_metrics::upstream(const std::string& server) {
    return {&upstream_healthy_.Add({{"server", server}}), &upstream_idle_.Add({{"server", server}}),
            &upstream_connects_.Add({{"server", server}, {"result", "ok"}}),
            &upstream_connects_.Add({{"server", server}, {"result", "failed"}})};
}

std::string gateway_metrics::text() const {
    return prometheus::TextSerializer{}.Serialize(registry_->Collect());
}

}  // namespace gangway
