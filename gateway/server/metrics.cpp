#include "gateway/server/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace gangway {
namespace {

const prometheus::Histogram::BucketBoundaries latency_buckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

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
                     .Register(*registry_)) {
    reloads_.Add({{"result", "applied"}});
    reloads_.Add({{"result", "refused"}});
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
    prometheus::Counter* counter = nullptr;
    prometheus::Histogram* histogram = nullptr;
    {
        std::lock_guard lock(cache_mutex_);
        auto& c = request_series_[{status, reason}];
        if (!c)
            c = &requests_.Add({{"status", std::to_string(status)}, {"reason", std::string(reason)}});
        auto& h = latency_series_[reason];
        if (!h) h = &latency_.Add({{"reason", std::string(reason)}}, latency_buckets);
        counter = c;
        histogram = h;
    }
    counter->Increment();
    histogram->Observe(static_cast<double>(took.count()) / 1e6);
}

void gateway_metrics::count_rejection(std::string_view reason) {
    rejections_.Add({{"reason", std::string(reason)}}).Increment();
}

void gateway_metrics::count_reload(bool applied) {
    reloads_.Add({{"result", applied ? "applied" : "refused"}}).Increment();
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
