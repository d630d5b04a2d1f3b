#pragma once

// `gangway schema check`, the pure part: a model and its plan against a live database's
// catalog. Every problem is a reason a copy would leave rows behind, run forever, scan whole
// tables, or fail halfway.

#include <vector>

#include "gateway/mover/catalog.hpp"
#include "gateway/mover/schema_model.hpp"
#include "gateway/mover/schema_problem.hpp"
#include "gateway/mover/traversal_plan.hpp"

namespace gangway::mover {

// In this order: the plan's own problems (unreachable tables, cycles that never end, rows that
// can repeat); tables and columns the database lacks; lookups no index serves; tables without
// a key for the key cache; tables without a key cache whose one relationship can still repeat
// rows; cleansing rules that do not fit their column; and last, the database's tables the
// model never mentions (gangway_* tables are never expected).
std::vector<schema_problem> check_schema(const schema_model& model, const traversal_plan& plan,
                                         const database_catalog& catalog);

}  // namespace gangway::mover
