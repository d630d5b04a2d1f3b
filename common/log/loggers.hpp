#pragma once

#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "common/config/config.hpp"

namespace gangway {

// Sets up the component loggers (stderr, one pattern) and the access log from config.
// Called at start-up and on reload; safe to call again.
void init_logging(const log_config& cfg);

// The named logger of one component ("server", "proxy", "admin", "config", ...). Created on
// first use; lines carry the component name.
std::shared_ptr<spdlog::logger> component_logger(const std::string& component);

}  // namespace gangway
