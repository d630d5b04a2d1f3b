#pragma once

#include <memory>

#include "common/config/config.hpp"
#include "gateway/auth/login_service.hpp"

namespace gangway {

class account_router;
class upstream_pool;

// How this site asks its upstream app to send a password-reset mail: a POST of
// "email=<stored email>" to login.reset_path on one of the upstream servers, with the
// identity headers and signed assertion of the user (so the app can tell the request is the
// gateway's). Any 2xx or 3xx answer counts as sent. The connection is used once; the whole
// call is bounded by timeouts.upstream_response.
login_service::reset_delivery make_reset_delivery(config_ptr cfg, std::shared_ptr<upstream_pool> upstreams,
                                                  std::shared_ptr<const account_router> router);

}  // namespace gangway
