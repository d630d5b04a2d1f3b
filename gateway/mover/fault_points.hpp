#pragma once

// Test hooks of the mover, read from the environment; without those variables they do nothing.
// tests/db/migrate_test.cpp uses them to fail the mover at exact points, the way a crash or a
// network fault would.
//
//   GANGWAY_MOVER_CRASH_AT=<point>   the mover kills itself (SIGKILL) at that point: checked,
//       locked, copying (after the first page is on the destination), copied, verified,
//       flipping (destination flipped, source not yet).
//   GANGWAY_MOVER_DROP_CONNECTION=once|always   after an INSERT of the copy has committed, the
//       destination server kills that connection (KILL CONNECTION_ID()): once in the whole
//       run, or after every INSERT.
//   GANGWAY_MOVER_DROP_SOURCE=once   after the copy handed the first page of a read to the
//       writers, the source server kills that read's connection (from another connection).
//   GANGWAY_MOVER_REHEARSAL_WRITE=<SQL>   the rehearsal runs that statement on the source
//       right after counting the account's rows, as the app writing while it runs.
//   GANGWAY_MOVER_INSERT_ONLY=1   the copy writes with INSERT statements that hold the values
//       in their text only, as it does when the destination refuses prepared statements.
//   GANGWAY_MOVER_NO_ARRAYS=1   the copy writes with multi-row prepared INSERTs, as it does when
//       the destination cannot take an array of rows per statement (MySQL).

#include <string>

#include "common/config/config.hpp"

namespace gangway::mover {

void crash_point(const char* point);

// True when the copy should have its destination connection killed now.
bool drop_connection_now();

// True when GANGWAY_MOVER_DROP_SOURCE is set: the copy notes each read's connection id.
bool drop_source_armed();
// True once, when the copy should have its source connection `id` killed now (kill_connection).
bool drop_source_now();
// Has the server of `cfg` kill connection `id`.
void kill_connection(const database_config& cfg, const std::string& id);

// Runs GANGWAY_MOVER_REHEARSAL_WRITE's statement on the server of `cfg`, when set.
void source_written_point(const database_config& cfg);

// True when the copy must not use prepared statements.
bool insert_only();

// True when the copy must not bind arrays of rows (insert_only() included).
bool arrays_off();

}  // namespace gangway::mover
