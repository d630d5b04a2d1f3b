#pragma once

#include <string>

namespace gangway {

struct serve_options {
    std::string config_path;
    std::string ready_file;  // optional: JSON {"pid","tls_port","plain_port","admin_port"}
};

// `gangway serve`: runs a gateway until SIGTERM/SIGINT (graceful drain, exit 0). SIGHUP
// reloads the config. Returns the process exit code: 0 after a clean drain, 2 for a config
// that does not load, 1 for any other start-up failure.
int run_serve(const serve_options& options);

}  // namespace gangway
