#include "gateway/mover/walkable_model.hpp"

#include <iostream>

namespace gangway::mover {

std::optional<walkable_model> load_walkable_model(const std::string& path, const std::string& command) {
    const schema_result model = load_schema_model(path);
    for (const auto& e : model.errors) std::cerr << e.to_string() << "\n";
    if (!model.value) {
        std::cerr << command << ": " << model.errors.size() << " error(s) in " << path << "\n";
        return std::nullopt;
    }
    walkable_model out{model.value, plan_traversal(*model.value)};
    const auto problems = plan_problems(*out.model, out.plan);
    for (const auto& p : problems) std::cerr << p.to_string() << "\n";
    if (!problems.empty()) {
        std::cerr << command << ": " << path << ": the model cannot be walked; see `gangway schema check`\n";
        return std::nullopt;
    }
    return out;
}

}  // namespace gangway::mover
