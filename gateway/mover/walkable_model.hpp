#pragma once

#include <optional>
#include <string>

#include "gateway/mover/schema_model.hpp"
#include "gateway/mover/traversal_plan.hpp"

namespace gangway::mover {

// A schema model with its traversal plan, ready for the row walker.
struct walkable_model {
    schema_ptr model;
    traversal_plan plan;
};

// Loads the model at `path` and plans its walk; nullopt after printing every problem (with
// its key path) to stderr, the last line prefixed by `command` ("gangway dump").
std::optional<walkable_model> load_walkable_model(const std::string& path, const std::string& command);

}  // namespace gangway::mover
