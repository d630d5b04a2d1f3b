#pragma once

#include <string>

namespace gangway::mover {

// One thing wrong with a model, found by the traversal plan or by schema check against a live
// database. Printed one per line: "relationships[3]: messages.conversation_id: not indexed ...".
struct schema_problem {
    std::string key_path;  // where in the model ("tables.users", "relationships[3]"); may be empty
    std::string subject;   // the table or table.column concerned; may be empty
    std::string message;

    std::string to_string() const {
        std::string out = key_path;
        for (const std::string* part : {&subject, &message}) {
            if (part->empty()) continue;
            if (!out.empty()) out += ": ";
            out += *part;
        }
        return out;
    }
    bool operator==(const schema_problem&) const = default;
};

}  // namespace gangway::mover
