#include "common/http/html_template.hpp"

namespace gangway {

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string fill_template(std::string_view page_template,
                          std::initializer_list<std::pair<std::string_view, std::string_view>> values) {
    std::string out;
    out.reserve(page_template.size() + 256);
    std::size_t at = 0;
    while (at < page_template.size()) {
        const auto open = page_template.find("{{", at);
        if (open == std::string_view::npos) break;
        const auto close = page_template.find("}}", open + 2);
        if (close == std::string_view::npos) break;
        out.append(page_template.substr(at, open - at));
        const auto name = page_template.substr(open + 2, close - open - 2);
        bool filled = false;
        for (const auto& [key, value] : values) {
            if (key != name) continue;
            out += html_escape(value);
            filled = true;
            break;
        }
        if (!filled) out.append(page_template.substr(open, close + 2 - open));
        at = close + 2;
    }
    out.append(page_template.substr(at));
    return out;
}

}  // namespace gangway
