#include "common/log/loggers.hpp"

#include <mutex>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/log/access_log.hpp"

namespace gangway {
namespace {

std::mutex registry_mutex;

spdlog::level::level_enum parse_level(const std::string& name) {
    return spdlog::level::from_str(name);  // validated by the config loader
}

}  // namespace

std::shared_ptr<spdlog::logger> component_logger(const std::string& component) {
    std::lock_guard lock(registry_mutex);
    if (auto existing = spdlog::get(component)) return existing;
    auto created = std::make_shared<spdlog::logger>(
        component, std::make_shared<spdlog::sinks::stderr_sink_mt>());
    created->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l [%n] %v");
    created->set_level(spdlog::get_level());
    spdlog::register_logger(created);
    return created;
}

void init_logging(const log_config& cfg) {
    spdlog::set_level(parse_level(cfg.level));
    {
        std::lock_guard lock(registry_mutex);
        spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
            if (l->name() != access_log::logger_name) l->set_level(parse_level(cfg.level));
        });
    }
    access_log::configure(cfg.access_log);
}

}  // namespace gangway
