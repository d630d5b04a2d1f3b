#pragma once

// What the fuzz targets of the HTTP head parsers require of what they accept.

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/http/head_fields.hpp"

namespace gangway::fuzz {

inline void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
}

// `part` lies inside `whole` (an empty view anywhere).
inline bool within(std::string_view part, std::string_view whole) {
    return part.empty() ||
           (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

// The field lines a parser gave for `head`: what an outgoing head is written from.
inline void require_clean_fields(const head_fields& fields, std::string_view head) {
    for (const auto& f : fields.lines()) {
        require(within(f.name, head) && within(f.value, head), "fields inside the head");
        require(!f.name.empty(), "field names are not empty");
        require(f.name.find_first_of("\r\n: \t") == std::string_view::npos, "names are tokens");
        require(f.value.find_first_of("\r\n") == std::string_view::npos, "values hold no line break");
        require(f.value.empty() || (f.value.front() != ' ' && f.value.back() != ' '), "values trimmed");
        require(f.kind == classify_field(f.name), "kinds as classified");
    }
}

}  // namespace gangway::fuzz
