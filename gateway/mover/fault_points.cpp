#include "gateway/mover/fault_points.hpp"

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "gateway/mover/native_session.hpp"

namespace gangway::mover {

void crash_point(const char* point) {
    const char* at = std::getenv("GANGWAY_MOVER_CRASH_AT");
    if (at && std::strcmp(at, point) == 0) ::raise(SIGKILL);
}

bool drop_connection_now() {
    static std::atomic<bool> dropped{false};
    const char* mode = std::getenv("GANGWAY_MOVER_DROP_CONNECTION");
    if (!mode) return false;
    if (std::strcmp(mode, "always") == 0) return true;
    return std::strcmp(mode, "once") == 0 && !dropped.exchange(true);
}

bool drop_source_armed() { return std::getenv("GANGWAY_MOVER_DROP_SOURCE") != nullptr; }

bool drop_source_now() {
    static std::atomic<bool> dropped{false};
    const char* mode = std::getenv("GANGWAY_MOVER_DROP_SOURCE");
    return mode && std::strcmp(mode, "once") == 0 && !dropped.exchange(true);
}

void kill_connection(const database_config& cfg, const std::string& id) {
    native_session(cfg).execute("KILL CONNECTION " + id);
}

void source_written_point(const database_config& cfg) {
    if (const char* sql = std::getenv("GANGWAY_MOVER_REHEARSAL_WRITE")) native_session(cfg).execute(sql);
}

bool insert_only() {
    const char* set = std::getenv("GANGWAY_MOVER_INSERT_ONLY");
    return set && std::strcmp(set, "1") == 0;
}

bool arrays_off() {
    const char* set = std::getenv("GANGWAY_MOVER_NO_ARRAYS");
    return insert_only() || (set && std::strcmp(set, "1") == 0);
}

}  // namespace gangway::mover
