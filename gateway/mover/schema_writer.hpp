#pragma once

// A model as TOML text that parse_schema_model reads back to the same model (notes become
// comments; key paths and the source path are not written).

#include <string>
#include <vector>

#include "gateway/mover/schema_model.hpp"

namespace gangway::mover {

// header: comment lines at the top; footer: comment lines at the end (infer's open questions).
std::string write_schema_toml(const schema_model& model, const std::vector<std::string>& header,
                              const std::vector<std::string>& footer = {});

}  // namespace gangway::mover
