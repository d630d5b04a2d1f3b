#include "common/log/access_log.hpp"

#include <atomic>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace gangway::access_log {
namespace {

std::mutex swap_mutex;
std::shared_ptr<spdlog::logger> current;  // guarded by swap_mutex for replacement
std::atomic<bool> is_enabled{false};

std::shared_ptr<spdlog::logger> make_logger(const std::string& destination) {
    std::shared_ptr<spdlog::sinks::sink> sink;
    if (destination == "stdout")
        sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    else
        sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(destination);
    auto logger = std::make_shared<spdlog::logger>(logger_name, std::move(sink));
    logger->set_pattern("%v");
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::info);
    return logger;
}

std::shared_ptr<spdlog::logger> snapshot() {
    std::lock_guard lock(swap_mutex);
    return current;
}

}  // namespace

void configure(const std::string& destination) {
    std::shared_ptr<spdlog::logger> next;
    if (destination != "off") next = make_logger(destination);
    std::lock_guard lock(swap_mutex);
    current = std::move(next);
    is_enabled.store(current != nullptr, std::memory_order_release);
}

bool enabled() noexcept { return is_enabled.load(std::memory_order_acquire); }

std::string redact_target(std::string_view target) {
    auto q = target.find('?');
    if (q == std::string_view::npos) return std::string(target);
    std::string out(target.substr(0, q + 1));
    bool in_value = false;
    for (char c : target.substr(q + 1)) {
        if (c == '&') in_value = false;
        if (!in_value) out.push_back(c);
        if (c == '=') in_value = true;
    }
    return out;
}

void write(const access_record& r) {
    if (!enabled()) return;
    auto logger = snapshot();
    if (!logger) return;
    auto text = [](std::string_view s) { return std::string(s); };
    nlohmann::json line = {
        {"ts", std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count()},
        {"request_id", text(r.request_id)},
        {"conn", text(r.connection_id)},
        {"client", text(r.client)},
        {"method", text(r.method)},
        {"path", redact_target(r.target)},
        {"status", r.status},
        {"reason", text(r.reason)},
        {"bytes_in", r.bytes_in},
        {"bytes_out", r.bytes_out},
        {"upstream", text(r.upstream)},
        {"duration_ms", static_cast<double>(r.total.count()) / 1000.0},
        {"upstream_ms", static_cast<double>(r.upstream_time.count()) / 1000.0},
    };
    logger->info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace gangway::access_log
