#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace gangway {

// & < > " ' as character references: safe inside element text and quoted attribute values.
std::string html_escape(std::string_view s);

// The page with every "{{name}}" of `values` replaced by its HTML-escaped value. Placeholders
// not named stay as they are; values are never scanned for placeholders themselves.
std::string fill_template(std::string_view page_template,
                          std::initializer_list<std::pair<std::string_view, std::string_view>> values);

}  // namespace gangway
