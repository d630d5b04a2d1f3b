#include "gateway/mover/catalog.hpp"

#include <algorithm>
#include <array>

namespace gangway::mover {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& s) {
    return std::find(list.begin(), list.end(), s) != list.end();
}

bool same_set(std::vector<std::string> a, std::vector<std::string> b) {
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return a == b;
}

}  // namespace

const catalog_column* catalog_table::column(std::string_view wanted) const {
    const auto it = std::find_if(columns.begin(), columns.end(),
                                 [&](const catalog_column& c) { return c.name == wanted; });
    return it == columns.end() ? nullptr : &*it;
}

const catalog_index* catalog_table::primary_key() const {
    const auto it = std::find_if(indexes.begin(), indexes.end(),
                                 [](const catalog_index& i) { return i.name == "PRIMARY"; });
    return it == indexes.end() ? nullptr : &*it;
}

const catalog_table* database_catalog::find(std::string_view table) const {
    const auto it = tables.find(table);
    return it == tables.end() ? nullptr : &it->second;
}

bool index_serves(const catalog_index& index, const std::vector<std::string>& lookup,
                  const std::vector<std::string>& fixed) {
    std::size_t covered = 0;
    for (const auto& column : index.columns) {
        if (contains(lookup, column)) {
            ++covered;
        } else if (!contains(fixed, column)) {
            break;
        }
    }
    return !lookup.empty() && covered == lookup.size();
}

const catalog_index* serving_index(const catalog_table& table,
                                   const std::vector<std::string>& lookup,
                                   const std::vector<std::string>& fixed) {
    for (const auto& index : table.indexes) {
        if (index_serves(index, lookup, fixed)) return &index;
    }
    return nullptr;
}

bool is_unique_key(const catalog_table& table, const std::vector<std::string>& columns) {
    return std::any_of(table.indexes.begin(), table.indexes.end(), [&](const catalog_index& i) {
        return i.unique && same_set(i.columns, columns);
    });
}

bool is_text_type(std::string_view t) noexcept {
    static constexpr std::array<std::string_view, 6> text{"char", "varchar",    "tinytext",
                                                          "text", "mediumtext", "longtext"};
    return std::find(text.begin(), text.end(), t) != text.end();
}

bool is_integer_type(std::string_view t) noexcept {
    static constexpr std::array<std::string_view, 5> integer{"tinyint", "smallint", "mediumint",
                                                             "int", "bigint"};
    return std::find(integer.begin(), integer.end(), t) != integer.end();
}

}  // namespace gangway::mover
