#pragma once

#include "common/config/config.hpp"
#include "gateway/admin/admin_server.hpp"

namespace gangway {

class account_services;
class runtime;

// The admin API over placement (PRODUCT.md, admin listener), all behind the admin token:
//   GET /admin/v1/accounts/{id}                      one placement (404 when none)
//   PUT /admin/v1/accounts/{id}                      {"state","site","expected_version",
//        "reason","by"}: compare-and-set (no expected_version: create); a change to locked
//        answers only when the fence holds. 200 applied, 409 version conflict, 404 unknown,
//        422 refused, 504 fence timeout (placement restored), 503 database trouble.
//   GET /admin/v1/accounts?site=&state=&after=&limit=   keyset-paginated list
//   GET /admin/v1/audit?account=&after=&limit=          audit rows, oldest first
// Database work and fence waits run on the services' ops threads, never the I/O thread.
void add_accounts_routes(admin_routes& routes, account_services& services, const runtime& rt);

}  // namespace gangway
