#include "common/config/config_loader.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <new>
#include <optional>
#include <span>
#include <system_error>
#include <utility>

#include <toml++/toml.h>

#include "common/config/config_keys.hpp"
#include "common/config/toml_text.hpp"

// Error wording is fixed per kind of problem ("must be an integer", "must be an integer 1..256",
// "required", "unknown key", "file not found: <abs path>"; docs/configuration.md lists them all)
// so tools and tests can match it. Messages quote key names, file paths and environment variable
// names, never other configured values, so a secret pasted into the wrong key does not leak.
namespace gangway {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_config_bytes = 1024 * 1024;
// toml++ walks the finished tree recursively (region bookkeeping, destruction). It caps array
// and inline-table nesting itself (TOML_MAX_NESTED_VALUES) but not dotted keys, and a key with
// ~50k parts overflows the stack. Tree depth is bounded by the dots outside strings and
// comments plus that cap, so this bound keeps recursion shallow on any thread.
constexpr std::size_t max_key_dots = 1024;
constexpr std::size_t min_token_bytes = 16;
constexpr std::size_t max_token_bytes = 4096;
constexpr std::uintmax_t max_token_file_bytes = 64 * 1024;
constexpr std::int64_t max_duration_ms = 86'400'000;
constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

// ---- problems -------------------------------------------------------------------------------

// Problems with the source position they concern; positions let them come out in document
// order even though sections are checked in schema order. Problems without a position (a
// missing section) sort last, in the order they were found.
class problem_list {
public:
    void add(const toml::source_region& where, std::string key_path, std::string message) {
        entries_.push_back({position_of(where.begin.line), position_of(where.begin.column),
                            config_error{std::move(key_path), std::move(message)}});
    }
    void add(const toml::node* where, std::string key_path, std::string message) {
        add(where ? where->source() : toml::source_region{}, std::move(key_path),
            std::move(message));
    }
    bool empty() const { return entries_.empty(); }

    std::vector<config_error> in_document_order() && {
        std::stable_sort(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) {
            return std::pair{a.line, a.column} < std::pair{b.line, b.column};
        });
        std::vector<config_error> out;
        out.reserve(entries_.size());
        for (auto& e : entries_) out.push_back(std::move(e.error));
        return out;
    }

private:
    struct entry {
        std::uint32_t line;
        std::uint32_t column;
        config_error error;
    };
    static std::uint32_t position_of(toml::source_index index) {
        return index == 0 ? std::numeric_limits<std::uint32_t>::max() : index;
    }
    std::vector<entry> entries_;
};

config_result failure(std::string message) {
    return {nullptr, {config_error{{}, std::move(message)}}};
}

// ---- text checks (pure) ---------------------------------------------------------------------

// "line L, column C" of a byte offset, columns counted in code points as toml++ does.
std::string position_text(std::string_view text, std::size_t offset) {
    const std::string_view before = text.substr(0, offset);
    const std::size_t line_begin =
        before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
    const std::string_view line = before.substr(line_begin);
    const auto column = std::count_if(line.begin(), line.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    });
    return "line " + std::to_string(std::count(before.begin(), before.end(), '\n') + 1) +
           ", column " + std::to_string(column + 1);
}

bool is_non_ascii(char c) {
    return (static_cast<unsigned char>(c) & 0x80) != 0;
}

// A lexical pass over the raw text that finds what toml++ 3.3 cannot be trusted with:
//  - dotted keys: the tree depth is bounded by the dots outside strings and comments plus the
//    parser's own nesting cap (see max_key_dots);
//  - a table header whose key starts with neither a key character nor a quote ("[:", "[[[1]]]",
//    "[#"): toml++ calls parse_key() with its precondition broken, which aborts on an assert or,
//    in NDEBUG clang builds, is undefined (marzer/tomlplusplus#301);
//  - a '}' where an array expects a value or ']' ("[1, }"), and a date without the time that
//    toml++ then expects ("1979-05-27 0", "1979-05-27T:"): the parser breaks its own
//    preconditions, as above;
//  - a non-ASCII character where toml++ asks whether it is whitespace: outside strings and
//    comments (never valid TOML), and in a multi-line basic string right after a backslash or
//    a line-ending backslash's skipped blanks. Its whitespace table reaches
//    __builtin_unreachable() for most of U+00A1..U+FEFE (marzer/tomlplusplus#190, #295).
// The pass follows TOML's lexical rules (strings, comments, keys versus values, brackets), so a
// valid document is read exactly. On malformed input it must not see a string where toml++
// does not: toml++ reads a bare value (number, date, boolean) up to the next terminator, quotes
// included, so a quote inside one is not a string here either. Elsewhere toml++ stops at the
// first character that does not fit, so the findings only need to hold up to that point.
class toml_prescan {
public:
    struct problem {
        std::size_t offset;
        std::string_view description;
    };

    explicit toml_prescan(std::string_view text) : text_(text) {
        if (text_.starts_with("\xef\xbb\xbf")) i_ = 3;  // toml++ skips a UTF-8 BOM
        while (i_ < text_.size() && !problem_) step();
        if (in_bare_value_) end_bare_value();
    }

    std::size_t key_dots() const { return key_dots_; }
    const std::optional<problem>& first_problem() const { return problem_; }

private:
    void step() {
        const char c = text_[i_];
        if (in_bare_value_) {
            if (c != '\n' && !ends_bare_value(c)) {
                check_ascii(c);
                ++i_;
                return;
            }
            end_bare_value();
        }
        if (c == '\n') {
            new_line();
        } else if (c == '#') {
            i_ = std::min(text_.find('\n', i_), text_.size());
        } else if (c == '"' || c == '\'') {
            line_start_ = false;
            skip_string(c);
        } else if (line_start_ && (c == ' ' || c == '\t')) {
            ++i_;
        } else if (line_start_ && c == '[') {
            check_header();
        } else {
            line_start_ = false;
            structure(c);
            ++i_;
        }
    }

    void new_line() {
        line_start_ = open_brackets_.empty();
        if (line_start_) value_expected_ = false;
        in_header_ = false;
        ++i_;
    }

    // At the terminator after a bare value. toml++ asserts that a time follows a date in two
    // places malformed input can reach: "<date> <digit>" then a terminator (parse_value()'s
    // scan(), which takes it for the start of a date-time) and "YYYY-MM-DDT" then a non-digit
    // (parse_time()).
    void end_bare_value() {
        in_bare_value_ = false;
        const std::string_view value = text_.substr(bare_begin_, i_ - bare_begin_);
        const std::string_view rest = text_.substr(i_);
        if (is_digit(value.front()) && value.find('-') != std::string_view::npos &&
            rest.size() > 2 && rest[0] == ' ' && is_digit(rest[1]) &&
            (rest[2] == '\n' || ends_bare_value(rest[2]))) {
            flag(i_ + 2, "expected a time after the date");
        }
        if (starts_with_date(value) && value.size() > 10 &&
            (value[10] == 'T' || value[10] == 't') &&
            (value.size() == 11 || !is_digit(value[11]))) {
            flag(bare_begin_ + 11, "expected a time after the date");
        }
    }

    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    // "YYYY-MM-DD", the digits unchecked.
    static bool starts_with_date(std::string_view s) {
        static constexpr std::string_view shape = "0000-00-00";
        if (s.size() < shape.size()) return false;
        for (std::size_t k = 0; k < shape.size(); ++k) {
            if (shape[k] == '-' ? s[k] != '-' : !is_digit(s[k])) return false;
        }
        return true;
    }

    // toml++'s value terminators, less the '\n' that step() handles.
    static bool ends_bare_value(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == ']' ||
               c == '}' || c == ',' || c == '#';
    }

    void check_ascii(char c) {
        if (is_non_ascii(c)) flag(i_, "non-ASCII character outside a string or comment");
        if (c == '.') ++key_dots_;
    }

    // One character outside strings, comments and bare values.
    void structure(char c) {
        check_ascii(c);
        if (in_header_ || c == ' ' || c == '\t' || c == '\r') return;
        if (c == '[' && value_expected_) {
            open_brackets_.push_back(c);
        } else if (c == '{' && value_expected_) {
            open_brackets_.push_back(c);
            value_expected_ = false;
        } else if (c == ',') {
            value_expected_ = open_brackets_.ends_with('[');
        } else if (c == '}' && open_brackets_.ends_with('[')) {
            flag(i_, "expected a value or ']', saw '}'");
        } else if (c == ']' || c == '}') {
            if (!open_brackets_.empty()) open_brackets_.pop_back();
            value_expected_ = false;
        } else if (!value_expected_) {
            value_expected_ = c == '=';
        } else {
            in_bare_value_ = true;
            bare_begin_ = i_;
        }
    }

    // At the '[' opening a table header: the key must come next, after an optional second '['
    // and blanks. A premature ']' and the end of input are left to toml++, which handles them.
    void check_header() {
        std::size_t j = i_ + 1;
        if (j < text_.size() && text_[j] == '[') ++j;
        while (j < text_.size() && (text_[j] == ' ' || text_[j] == '\t')) ++j;
        if (j < text_.size() && !is_bare_key_char(text_[j]) && text_[j] != '"' &&
            text_[j] != '\'' && text_[j] != ']') {
            flag(j, "expected a key after '['");
        }
        line_start_ = false;
        in_header_ = true;
        i_ = j;
    }

    void skip_string(char quote) {
        const std::string_view triple = quote == '"' ? "\"\"\"" : "'''";
        const bool multi_line = text_.substr(i_, 3) == triple;
        i_ += multi_line ? 3 : 1;
        while (i_ < text_.size()) {
            if (quote == '"' && text_[i_] == '\\') {
                skip_escape(multi_line);
            } else if (!multi_line && text_[i_] == quote) {
                ++i_;
                return;
            } else if (multi_line && text_.substr(i_, 3) == triple) {
                // Up to two quotes right before the closing three are content ('''a''''' is a'').
                const std::size_t end = std::min(text_.find_first_not_of(quote, i_), text_.size());
                i_ += std::min<std::size_t>(end - i_, 5);
                return;
            } else if (!multi_line && text_[i_] == '\n') {
                return;
            } else {
                ++i_;
            }
        }
    }

    // At a backslash in a basic string. In a multi-line one, toml++ tests the next character,
    // and after a line-ending backslash the first one past the blanks, for whitespace.
    void skip_escape(bool multi_line) {
        if (!multi_line) {
            i_ += 2;
            return;
        }
        std::size_t j = i_ + 1;
        while (j < text_.size() &&
               (text_[j] == ' ' || text_[j] == '\t' || text_[j] == '\r' || text_[j] == '\n')) {
            ++j;
        }
        if (j < text_.size() && is_non_ascii(text_[j])) {
            flag(j, "non-ASCII character after a backslash");
        }
        // A plain escape ("\\", "\"") consumes the character after the backslash; a line-ending
        // backslash only the blanks.
        i_ = j == i_ + 1 ? j + 1 : j;
    }

    void flag(std::size_t offset, std::string_view description) {
        if (!problem_) problem_ = problem{offset, description};
    }

    std::string_view text_;
    std::size_t i_ = 0;
    std::size_t key_dots_ = 0;
    std::size_t bare_begin_ = 0;   // where the current bare value started
    std::string open_brackets_;    // '[' and '{' open inside a value, which may span lines
    bool line_start_ = true;       // only blanks so far on a line outside any value
    bool in_header_ = false;       // on a [table] or [[array]] header line
    bool value_expected_ = false;  // past a key's '=' or an array's '[' or ',': a value comes next
    bool in_bare_value_ = false;   // inside a bare value token, which toml++ reads to a terminator
    std::optional<problem> problem_;
};

bool has_control_character(std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    });
}

bool is_visible_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// RFC 9110 token: what a header field name may be.
bool is_http_token(std::string_view s) {
    constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               extra.find(c) != std::string_view::npos;
    });
}

bool is_instance_id(std::string_view s) {
    return !s.empty() && s.size() <= 128 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-';
    });
}

bool is_env_name(std::string_view s) {
    return !s.empty() && !(s[0] >= '0' && s[0] <= '9') &&
           std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_';
           });
}

bool is_site_name(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

bool is_sql_identifier(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '$' || c == '-';
    });
}

// inet_pton stops at a NUL, so a TOML "\u0000" must not smuggle bytes past it.
bool is_ipv4(const std::string& s) {
    in_addr addr{};
    return s.find('\0') == std::string::npos && inet_pton(AF_INET, s.c_str(), &addr) == 1;
}

bool is_ipv6(const std::string& s) {
    in6_addr addr{};
    return s.find('\0') == std::string::npos && inet_pton(AF_INET6, s.c_str(), &addr) == 1;
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
bool is_dns_name(std::string_view s) {
    if (s.empty() || s.size() > 253) return false;
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t end = s.find('.', start);
        if (end == std::string_view::npos) end = s.size();
        const std::string_view label = s.substr(start, end - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        if (!std::all_of(label.begin(), label.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-';
            })) {
            return false;
        }
        start = end + 1;
    }
    return true;
}

enum class address_role { listen, upstream };

struct address_parts {
    std::string host;  // IPv6 without brackets
    std::uint16_t port = 0;
};

// Parses "host:port" or "[ipv6]:port" into out. Returns the problem, or empty on success.
// A listener may use port 0 (any free port) and must name a numeric address or localhost;
// an upstream needs a real port and may also be a DNS name.
std::string parse_address(std::string_view text, address_role role, address_parts& out) {
    std::string_view host;
    std::string_view port;
    bool bracketed = false;
    if (!text.empty() && text.front() == '[') {
        const std::size_t close = text.find(']');
        if (close == std::string_view::npos || text.substr(close + 1, 1) != ":") {
            return "must be host:port";
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        bracketed = true;
    } else {
        const std::size_t colon = text.rfind(':');
        if (colon == std::string_view::npos) return "must be host:port";
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) {
            return "IPv6 address must be in brackets: [address]:port";
        }
    }
    if (host.empty()) return "must be host:port";

    const std::string host_text(host);
    const bool host_ok = bracketed ? is_ipv6(host_text)
                                   : is_ipv4(host_text) || host == "localhost" ||
                                         (role == address_role::upstream && is_dns_name(host));
    if (!host_ok) {
        return role == address_role::listen ? "host must be an IP address or localhost"
                                            : "host must be an IP address or DNS name";
    }

    const std::uint32_t min_port = role == address_role::listen ? 0 : 1;
    const std::string port_problem =
        role == address_role::listen ? "port must be 0..65535" : "port must be 1..65535";
    std::uint32_t value = 0;
    if (port.empty() || port.size() > 5) return port_problem;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value < min_port ||
        value > 65535) {
        return port_problem;
    }
    out.host = host_text;
    out.port = static_cast<std::uint16_t>(value);
    return {};
}

bool is_loopback_host(std::string_view host) {
    return host == "localhost" || host == "127.0.0.1" || host == "[::1]" ||
           (host.size() > 10 && host.substr(host.size() - 10) == ".localhost");
}

// Empty when text is "https://host[:port]" (http:// for loopback hosts), with an optional
// path when with_path; otherwise the problem.
std::string origin_problem(std::string_view text, bool with_path) {
    const std::string wanted = with_path ? "must be an https:// URL without query or userinfo"
                                         : "must be an origin: https://host[:port], no path";
    std::string_view rest;
    bool https = false;
    if (text.rfind("https://", 0) == 0) {
        rest = text.substr(8);
        https = true;
    } else if (text.rfind("http://", 0) == 0) {
        rest = text.substr(7);
    } else {
        return wanted;
    }
    const std::size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
    if (!with_path && !path.empty()) return wanted;
    if (authority.empty() || text.find_first_of("?#@\\ ") != std::string_view::npos ||
        has_control_character(text) || !is_visible_ascii(text)) {
        return wanted;
    }
    const std::size_t colon = authority.rfind(':');
    const bool has_port = colon != std::string_view::npos && authority.back() != ']';
    const std::string_view host = has_port ? authority.substr(0, colon) : authority;
    address_parts parts;
    const std::string probe = std::string(host) + ":" +
                              (has_port ? std::string(authority.substr(colon + 1)) : "443");
    if (!parse_address(probe, address_role::upstream, parts).empty()) return wanted;
    if (!https && !is_loopback_host(host)) return "must use https:// (http:// only for loopback)";
    return {};
}

std::string trim_trailing_newlines(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

// Empty when path names a regular file this process can open for reading.
std::string file_problem(const fs::path& path) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (status.type() == fs::file_type::not_found) return "file not found: " + path.string();
    if (ec) return "file not readable: " + path.string();
    if (!fs::is_regular_file(status)) return "not a regular file: " + path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) return "file not readable: " + path.string();
    return {};
}

std::string default_instance_id() {
    std::array<char, 256> name{};
    const std::string pid = std::to_string(::getpid());
    if (::gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') {
        return "gangway-" + pid;
    }
    return std::string(name.data()) + "-" + pid;
}

// path made absolute against the working directory; "" stays "" (text parsed without a file).
fs::path absolute_path(const std::string& path) {
    if (path.empty()) return {};
    std::error_code ec;
    fs::path result = fs::absolute(path, ec);
    if (ec) result = fs::path(path);
    return result.lexically_normal();
}

// Where relative paths in a config loaded from source resolve: its directory, or the working
// directory for text that came from no file.
fs::path base_directory(const fs::path& source) {
    if (!source.empty()) return source.parent_path();
    std::error_code ec;
    return fs::current_path(ec);
}

// ---- the document walk ----------------------------------------------------------------------

// A TOML table together with its dotted key path ("server.tls"; "" for the root).
struct section_view {
    const toml::table* table;
    std::string path;

    const toml::node* get(std::string_view key) const { return table->get(key); }
    std::string key_path(std::string_view key) const { return toml_child_path(path, key); }
};

struct string_element {
    std::string value;
    const toml::node* node;
    std::string path;
};

using key_list = config_keys::list;

// Walks one parsed document in schema order, filling a config and recording every problem.
// Relative file paths resolve against base_dir (the config file's directory).
class config_builder {
public:
    config_builder(fs::path base_dir, problem_list& problems)
        : base_dir_(std::move(base_dir)), problems_(problems) {}

    void build(const toml::table& root, config& out) {
        const section_view root_view{&root, ""};
        report_unknown_keys(root_view, config_keys::root);
        read_server(root_view, out.server);
        read_admin(root_view, out.admin);
        read_limits(root_view, out.limits);
        read_timeouts(root_view, out.timeouts);
        read_upstream(root_view, out.upstream);
        read_identity(root_view, out.identity);
        read_routing(root_view, out.routing);
        read_site(root_view, out.sites);
        read_sites(root_view, out.sites);
        read_database(root_view, out.database);
        read_placement(root_view, out.placement);
        read_session(root_view, out.session);
        read_login(root_view, out.login);
        read_log(root_view, out.log);
        check_per_account_routing(root_view, out);
    }

private:
    // ---- sections ----

    void read_server(const section_view& root, server_config& out) {
        out.instance_id = default_instance_id();
        const auto server = section(root, "server", config_keys::server);
        if (!server) {
            if (!root.get("server")) {
                add(nullptr, "server", "at least one of server.tls or server.plain is required");
            }
            return;
        }
        read_instance_id(*server, out.instance_id);
        read_integer(*server, "worker_threads", 1, 256, out.worker_threads);
        std::int64_t idle_poll_us = out.idle_poll.count();
        read_integer(*server, "idle_poll_us", 0, 1000, idle_poll_us);
        out.idle_poll = std::chrono::microseconds{idle_poll_us};
        if (server->get("idle_poll_us") && out.idle_poll.count() > 0 && out.worker_threads != 1)
            add(server->get("idle_poll_us"), server->key_path("idle_poll_us"),
                "needs worker_threads = 1");
        if (!server->get("tls") && !server->get("plain")) {
            add(server->table, "server", "at least one of server.tls or server.plain is required");
        }
        read_tls(*server, out.tls);
        read_plain(*server, out.plain);
    }

    void read_instance_id(const section_view& server, std::string& out) {
        const auto id = read_string(server, "instance_id");
        if (!id) return;
        if (is_instance_id(*id)) {
            out = *id;
        } else {
            add(server.get("instance_id"), server.key_path("instance_id"),
                "must be 1..128 characters of A-Z a-z 0-9 . _ -");
        }
    }

    void read_tls(const section_view& server, std::optional<tls_listener_config>& out) {
        const auto tls = section(server, "tls", config_keys::server_tls);
        if (!tls) return;
        tls_listener_config result;
        const bool listen_ok = read_required_listen(*tls, result.listen);
        const auto cert = read_readable_file(*tls, "cert_file");
        const auto key = read_readable_file(*tls, "key_file");
        if (!listen_ok || !cert || !key) return;
        result.cert_file = cert->string();
        result.key_file = key->string();
        out = std::move(result);
    }

    void read_plain(const section_view& server, std::optional<plain_listener_config>& out) {
        const auto plain = section(server, "plain", config_keys::server_plain);
        if (!plain) return;
        plain_listener_config result;
        if (read_required_listen(*plain, result.listen)) out = std::move(result);
    }

    void read_admin(const section_view& root, admin_config& out) {
        const auto admin = section(root, "admin", config_keys::admin);
        if (!admin) {
            if (!root.get("admin")) {
                add(nullptr, "admin",
                    "exactly one of admin.token_file or admin.token_env is required");
            }
            return;
        }
        if (admin->get("listen")) read_listen(*admin, "listen", out.listen);
        const bool has_file = admin->get("token_file") != nullptr;
        if (has_file == (admin->get("token_env") != nullptr)) {
            add(admin->table, "admin",
                "exactly one of admin.token_file or admin.token_env is required");
            return;
        }
        const std::string_view key = has_file ? "token_file" : "token_env";
        const auto token = has_file ? token_from_file(*admin) : token_from_env(*admin);
        if (token && token_acceptable(*admin, key, *token)) out.token = *token;
    }

    void read_limits(const section_view& root, limits_config& out) {
        const auto limits = section(root, "limits", config_keys::limits);
        if (!limits) return;
        read_integer(*limits, "max_header_bytes", 1024, 1024 * 1024, out.max_header_bytes);
        read_integer(*limits, "max_header_count", 1, 10'000, out.max_header_count);
        read_integer(*limits, "max_url_bytes", 16, 1024 * 1024, out.max_url_bytes);
        read_integer(*limits, "max_body_bytes", 0, int64_max, out.max_body_bytes);
        read_integer(*limits, "max_response_header_bytes", 1024, 1024 * 1024,
                     out.max_response_header_bytes);
    }

    void read_timeouts(const section_view& root, timeouts_config& out) {
        const auto timeouts = section(root, "timeouts", config_keys::timeouts);
        if (!timeouts) return;
        read_duration(*timeouts, "tls_handshake_ms", out.tls_handshake);
        read_duration(*timeouts, "header_read_ms", out.header_read);
        read_duration(*timeouts, "body_read_ms", out.body_read);
        read_duration(*timeouts, "upstream_connect_ms", out.upstream_connect);
        read_duration(*timeouts, "upstream_response_ms", out.upstream_response);
        read_duration(*timeouts, "idle_ms", out.idle);
        read_duration(*timeouts, "drain_ms", out.drain);
    }

    void read_upstream(const section_view& root, upstream_config& out) {
        const auto upstream = section(root, "upstream", config_keys::upstream);
        if (!upstream) {
            if (!root.get("upstream")) add(nullptr, "upstream.servers", "required");
            return;
        }
        read_upstream_servers(*upstream, out.servers);
        read_integer(*upstream, "max_idle_per_server", 0, 100'000, out.max_idle_per_server);
        read_integer(*upstream, "max_fails", 1, 1000, out.max_fails);
        read_duration(*upstream, "fail_timeout_ms", out.fail_timeout);
        read_path_prefixes(*upstream, "websocket_paths", out.websocket_paths);
    }

    void read_upstream_servers(const section_view& upstream, std::vector<upstream_server>& out) {
        if (!upstream.get("servers")) {
            add(upstream.table, upstream.key_path("servers"), "required");
            return;
        }
        const auto servers = read_string_array(upstream, "servers");
        if (!servers) return;
        if (upstream.get("servers")->as_array()->empty()) {
            add(upstream.get("servers"), upstream.key_path("servers"), "must not be empty");
        }
        for (const string_element& element : *servers) {
            address_parts parts;
            const std::string problem = parse_address(element.value, address_role::upstream, parts);
            if (problem.empty()) {
                out.push_back({std::move(parts.host), parts.port});
            } else {
                add(element.node, element.path, problem);
            }
        }
    }

    void read_identity(const section_view& root, identity_config& out) {
        const auto identity = section(root, "identity", config_keys::identity);
        if (!identity) return;
        const auto names = read_string_array(*identity, "header_names");
        if (!names) return;
        out.header_names.clear();
        for (const string_element& element : *names) {
            if (is_http_token(element.value)) {
                out.header_names.push_back(element.value);
            } else {
                add(element.node, element.path, "must be a valid HTTP header name");
            }
        }
    }

    void read_routing(const section_view& root, routing_config& out) {
        const auto routing = section(root, "routing", config_keys::routing);
        if (!routing) return;
        read_path_prefixes(*routing, "api_prefixes", out.api_prefixes);
        read_path_prefixes(*routing, "public_prefixes", out.public_prefixes);
        read_path_prefixes(*routing, "signup_prefixes", out.signup_prefixes);
        for (auto [key, field] : {std::pair{"login_path", &out.login_path},
                                  {"logout_path", &out.logout_path},
                                  {"forgot_path", &out.forgot_path}}) {
            if (!routing->get(key)) continue;
            std::vector<std::string> path{*field};
            read_path_prefixes(*routing, key, path, true);
            if (!path.empty()) *field = path.front();
        }
    }

    // ---- sites, database, placement, session: per-account routing ----

    void read_site(const section_view& root, sites_config& out) {
        const auto site = section(root, "site", config_keys::site);
        if (!site) return;
        if (!site->get("name")) add(site->table, site->key_path("name"), "required");
        if (const auto name = read_site_name(*site, "name")) out.self = *name;
        if (const auto signup = read_site_name(*site, "signup_site")) out.signup_site = *signup;
    }

    std::optional<std::string> read_site_name(const section_view& s, std::string_view key) {
        const auto name = read_string(s, key);
        if (!name) return std::nullopt;
        if (is_site_name(*name)) return name;
        add(s.get(key), s.key_path(key), "must be 1..64 characters of a-z 0-9 _ -");
        return std::nullopt;
    }

    void read_sites(const section_view& root, sites_config& out) {
        const toml::node* node = root.get("sites");
        if (!node) return;
        const toml::table* table = node->as_table();
        if (!table) {
            add(node, "sites", "must be a table");
            return;
        }
        for (const auto& [key, value] : *table) {
            const std::string name(key.str());
            if (!is_site_name(name)) {
                add(&value, toml_child_path("sites", name),
                    "site names must be 1..64 characters of a-z 0-9 _ -");
                continue;
            }
            const auto entry = section({table, "sites"}, name, config_keys::site_entry);
            if (!entry) continue;
            site_entry site{name, {}, {}, {}};
            if (!entry->get("origin")) add(entry->table, entry->key_path("origin"), "required");
            if (const auto origin = read_origin(*entry, "origin", false)) site.origin = *origin;
            if (const auto peer = read_origin(*entry, "peer_url", true)) site.peer_url = *peer;
            read_database(*entry, site.database);
            if (site.database && name == out.self) {
                add(entry->get("database"), entry->key_path("database"),
                    "this gateway's own site: its database is [database]");
            }
            out.entries.push_back(std::move(site));
        }
    }

    // An origin "scheme://host[:port]" without path, query or userinfo. https only, except
    // loopback hosts (tests, the demo) which may use http. with_path allows a base path.
    std::optional<std::string> read_origin(const section_view& s, std::string_view key,
                                           bool with_path) {
        const auto value = read_string(s, key);
        if (!value) return std::nullopt;
        std::string problem = origin_problem(*value, with_path);
        if (problem.empty()) return value;
        add(s.get(key), s.key_path(key), std::move(problem));
        return std::nullopt;
    }

    // [database], or [sites.NAME.database] (another site's, for the mover).
    void read_database(const section_view& parent, std::optional<database_config>& out) {
        const auto db = section(parent, "database", config_keys::database);
        if (!db) return;
        database_config result;
        if (db->get("host")) {
            address_parts parts;
            const auto host = read_string(*db, "host");
            if (host && !parse_address(*host + ":1", address_role::upstream, parts).empty()) {
                add(db->get("host"), db->key_path("host"), "must be an IP address or DNS name");
            } else if (host) {
                result.host = parts.host;
            }
        }
        read_integer(*db, "port", 1, 65535, result.port);
        if (db->get("unix_socket")) {
            if (const auto path = read_path_string(*db, "unix_socket")) {
                result.unix_socket = resolve(*path).string();
            }
        }
        for (const std::string_view key : {"user", "name"}) {
            if (!db->get(key)) add(db->table, db->key_path(key), "required");
        }
        if (const auto user = read_identifier(*db, "user")) result.user = *user;
        if (const auto name = read_identifier(*db, "name")) result.name = *name;
        read_database_password(*db, result.password);
        read_integer(*db, "pool_size", 1, 256, result.pool_size);
        read_duration(*db, "connect_timeout_ms", result.connect_timeout);
        read_duration(*db, "query_timeout_ms", result.query_timeout);
        out = std::move(result);
    }

    std::optional<std::string> read_identifier(const section_view& s, std::string_view key) {
        const auto value = read_string(s, key);
        if (!value) return std::nullopt;
        if (is_sql_identifier(*value)) return value;
        add(s.get(key), s.key_path(key), "must be 1..64 characters of A-Z a-z 0-9 _ $ -");
        return std::nullopt;
    }

    // No password source means an empty password (a socket-authenticated user).
    void read_database_password(const section_view& db, std::string& out) {
        const bool has_file = db.get("password_file") != nullptr;
        const bool has_env = db.get("password_env") != nullptr;
        if (has_file && has_env) {
            add(db.table, db.path, "at most one of password_file and password_env may be set");
            return;
        }
        if (!has_file && !has_env) return;
        const auto secret = has_file ? secret_from_file(db, "password_file")
                                     : secret_from_env(db, "password_env");
        if (secret) out = *secret;
    }

    void read_placement(const section_view& root, placement_config& out) {
        const auto placement = section(root, "placement", config_keys::placement);
        if (!placement) return;
        read_duration(*placement, "refresh_interval_ms", out.refresh_interval);
        read_duration(*placement, "heartbeat_interval_ms", out.heartbeat_interval);
        read_duration(*placement, "stale_serve_ms", out.stale_serve);
        read_duration(*placement, "instance_ttl_ms", out.instance_ttl);
        read_duration(*placement, "fence_timeout_ms", out.fence_timeout);
        read_integer(*placement, "lock_retry_after_s", 1, 3600, out.lock_retry_after_s);
        if (out.instance_ttl <= out.heartbeat_interval || out.instance_ttl <= out.stale_serve) {
            add(placement->get("instance_ttl_ms"), placement->key_path("instance_ttl_ms"),
                "must be greater than heartbeat_interval_ms and stale_serve_ms");
        }
    }

    void read_session(const section_view& root, session_config& out) {
        const auto session = section(root, "session", config_keys::session);
        if (!session) return;
        if (const auto name = read_string(*session, "cookie_name")) {
            if (is_http_token(*name) && name->rfind("__Host-", 0) == 0 && name->size() > 7) {
                out.cookie_name = *name;
            } else {
                add(session->get("cookie_name"), session->key_path("cookie_name"),
                    "must be a cookie name starting with __Host-");
            }
        }
        std::int64_t ttl = out.ttl.count();
        read_integer(*session, "ttl_s", 60, 31 * 24 * 3600, ttl);
        out.ttl = std::chrono::seconds{ttl};
        if (session->get("keys_file")) {
            if (const auto path = read_readable_file(*session, "keys_file")) {
                out.keys_file = path->string();
            }
        }
        if (session->get("assertion_keys_file")) {
            if (const auto path = read_readable_file(*session, "assertion_keys_file")) {
                out.assertion_keys_file = path->string();
            }
        }
    }

    void read_login(const section_view& root, login_config& out) {
        const auto login = section(root, "login", config_keys::login);
        if (!login) return;
        for (auto [key, field] : {std::pair{"users_table", &out.users_table},
                                  {"email_column", &out.email_column},
                                  {"password_column", &out.password_column},
                                  {"user_id_column", &out.user_id_column},
                                  {"account_id_column", &out.account_id_column},
                                  {"active_column", &out.active_column}}) {
            if (auto name = read_identifier(*login, key)) *field = *name;
        }
        read_integer(*login, "max_email_bytes", 3, 254, out.max_email_bytes);
        read_integer(*login, "max_password_bytes", 8, 4096, out.max_password_bytes);
        read_integer(*login, "hash_workers", 1, 64, out.hash_workers);
        read_integer(*login, "hash_queue", 1, 100'000, out.hash_queue);
        read_rate(*login, "ip_rate_per_min", out.ip_rate_per_min);
        read_integer(*login, "ip_burst", 1, 1'000'000, out.ip_burst);
        read_rate(*login, "email_rate_per_min", out.email_rate_per_min);
        read_integer(*login, "email_burst", 1, 1'000'000, out.email_burst);
        if (const toml::node* shadow = login->get("throttle_shadow")) {
            if (const auto* b = shadow->as_boolean()) out.throttle_shadow = b->get();
            else add(shadow, login->key_path("throttle_shadow"), "must be true or false");
        }
        std::int64_t ttl = out.handoff_ttl.count();
        read_integer(*login, "handoff_ttl_s", 1, 60, ttl);
        out.handoff_ttl = std::chrono::seconds{ttl};
        if (login->get("reset_path")) {
            std::vector<std::string> reset{out.reset_path};
            read_path_prefixes(*login, "reset_path", reset, true);
            if (!reset.empty()) out.reset_path = reset.front();
        }
        if (login->get("peer_keys_file")) {
            if (const auto path = read_readable_file(*login, "peer_keys_file")) out.peer_keys_file = path->string();
        }
        if (login->get("peer_ca_file")) {
            if (const auto path = read_readable_file(*login, "peer_ca_file")) out.peer_ca_file = path->string();
        }
        read_duration(*login, "peer_timeout_ms", out.peer_timeout);
        read_duration(*login, "failure_answer_ms", out.failure_answer);
        read_integer(*login, "max_form_bytes", 1024, 1024 * 1024, out.max_form_bytes);
    }

    // A rate per minute: a positive number (integer or float) up to a million.
    void read_rate(const section_view& s, std::string_view key, double& out) {
        const toml::node* node = s.get(key);
        if (!node) return;
        std::optional<double> value;
        if (const auto* f = node->as_floating_point()) value = f->get();
        if (const auto* i = node->as_integer()) value = static_cast<double>(i->get());
        if (!value || !(*value > 0) || *value > 1'000'000) {
            add(node, s.key_path(key), "must be a number > 0 and <= 1000000");
            return;
        }
        out = *value;
    }

    // With a database the gateway routes per account, which needs to know its own site, the
    // other sites' origins and the keys that seal sessions.
    void check_per_account_routing(const section_view& root, config& out) {
        if (out.sites.signup_site.empty()) out.sites.signup_site = out.sites.self;
        if (!out.database) return;
        if (!root.get("site")) add(nullptr, "site.name", "required with [database]");
        if (!out.sites.self.empty() && !out.sites.find(out.sites.self)) {
            add(nullptr, "sites." + out.sites.self, "required: the site named by site.name");
        }
        if (!out.sites.signup_site.empty() && out.sites.signup_site != out.sites.self &&
            !out.sites.find(out.sites.signup_site)) {
            add(nullptr, "sites." + out.sites.signup_site,
                "required: the site named by site.signup_site");
        }
        if (out.session.keys_file.empty()) {
            add(nullptr, "session.keys_file", "required with [database]");
        }
        if (out.session.assertion_keys_file.empty()) {
            add(nullptr, "session.assertion_keys_file", "required with [database]");
        }
        const bool has_peers = std::any_of(out.sites.entries.begin(), out.sites.entries.end(),
                                           [&](const site_entry& s) {
                                               return s.name != out.sites.self && !s.peer_url.empty();
                                           });
        if (has_peers && out.login.peer_keys_file.empty()) {
            add(nullptr, "login.peer_keys_file", "required when other sites have a peer_url");
        }
    }

    void read_log(const section_view& root, log_config& out) {
        static constexpr std::array<std::string_view, 6> levels{"trace", "debug", "info",
                                                                "warn",  "error", "off"};
        const auto log = section(root, "log", config_keys::log);
        if (!log) return;
        if (const auto level = read_string(*log, "level")) {
            if (std::find(levels.begin(), levels.end(), *level) != levels.end()) {
                out.level = *level;
            } else {
                add(log->get("level"), log->key_path("level"),
                    "must be one of trace, debug, info, warn, error, off");
            }
        }
        if (!log->get("access_log")) return;
        if (const auto access_log = read_path_string(*log, "access_log")) {
            out.access_log = (*access_log == "stdout" || *access_log == "off")
                                 ? *access_log
                                 : resolve(*access_log).string();
        }
    }

    // ---- admin token ----

    std::optional<std::string> token_from_file(const section_view& admin) {
        return secret_from_file(admin, "token_file");
    }

    std::optional<std::string> token_from_env(const section_view& admin) {
        return secret_from_env(admin, "token_env");
    }

    // A secret read from a file named by s.key; trailing newlines dropped; never quoted.
    std::optional<std::string> secret_from_file(const section_view& admin, std::string_view key) {
        const auto path = read_readable_file(admin, key);
        if (!path) return std::nullopt;
        const toml::node* node = admin.get(key);
        std::error_code ec;
        const std::uintmax_t size = fs::file_size(*path, ec);
        if (!ec && size > max_token_file_bytes) {
            add(node, admin.key_path(key),
                "file must be at most " + std::to_string(max_token_file_bytes) + " bytes");
            return std::nullopt;
        }
        std::ifstream in(*path, std::ios::binary);
        std::string token((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (in.bad() || ec) {
            add(node, admin.key_path(key), "file not readable: " + path->string());
            return std::nullopt;
        }
        return trim_trailing_newlines(std::move(token));
    }

    // A secret read from the environment variable named by s.key; never quoted.
    std::optional<std::string> secret_from_env(const section_view& admin, std::string_view key) {
        const auto name = read_string(admin, key);
        if (!name) return std::nullopt;
        const toml::node* node = admin.get(key);
        if (!is_env_name(*name)) {
            add(node, admin.key_path(key), "must be an environment variable name (A-Z a-z 0-9 _)");
            return std::nullopt;
        }
        const char* value = std::getenv(name->c_str());
        if (!value) {
            add(node, admin.key_path(key), "environment variable " + *name + " is not set");
            return std::nullopt;
        }
        return trim_trailing_newlines(value);
    }

    // The token is checked but never quoted: problems name only the key it came from.
    bool token_acceptable(const section_view& admin, std::string_view key,
                          const std::string& token) {
        std::string problem;
        if (token.size() < min_token_bytes) {
            problem = "token must be at least " + std::to_string(min_token_bytes) + " bytes";
        } else if (token.size() > max_token_bytes) {
            problem = "token must be at most " + std::to_string(max_token_bytes) + " bytes";
        } else if (!is_visible_ascii(token)) {
            problem = "token must contain only visible ASCII characters";
        }
        if (problem.empty()) return true;
        add(admin.get(key), admin.key_path(key), std::move(problem));
        return false;
    }

    // ---- generic readers: each reports its own problems ----

    void add(const toml::node* where, std::string key_path, std::string message) {
        problems_.add(where, std::move(key_path), std::move(message));
    }

    void report_unknown_keys(const section_view& s, key_list known) {
        for (const auto& [key, node] : *s.table) {
            if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
                problems_.add(key.source(), s.key_path(key.str()), "unknown key");
            }
        }
    }

    // parent.key as a table, or nullopt when absent or not a table (reported). Unknown keys in
    // it are reported here, so section readers only look up the keys they know.
    std::optional<section_view> section(const section_view& parent, std::string_view key,
                                        key_list known) {
        const toml::node* node = parent.get(key);
        if (!node) return std::nullopt;
        const toml::table* table = node->as_table();
        if (!table) {
            add(node, parent.key_path(key), "must be a table");
            return std::nullopt;
        }
        section_view view{table, parent.key_path(key)};
        report_unknown_keys(view, known);
        return view;
    }

    std::optional<std::string> read_string(const section_view& s, std::string_view key) {
        const toml::node* node = s.get(key);
        if (!node) return std::nullopt;
        if (const auto* value = node->as_string()) return value->get();
        add(node, s.key_path(key), "must be a string");
        return std::nullopt;
    }

    // A string naming a file or similar: non-empty and free of control characters, since it is
    // passed to the OS and quoted in messages.
    std::optional<std::string> read_path_string(const section_view& s, std::string_view key) {
        const auto value = read_string(s, key);
        if (!value) return std::nullopt;
        if (value->empty()) {
            add(s.get(key), s.key_path(key), "must not be empty");
            return std::nullopt;
        }
        if (has_control_character(*value)) {
            add(s.get(key), s.key_path(key), "must not contain control characters");
            return std::nullopt;
        }
        return value;
    }

    std::optional<fs::path> read_readable_file(const section_view& s, std::string_view key) {
        if (!s.get(key)) {
            add(s.table, s.key_path(key), "required");
            return std::nullopt;
        }
        const auto value = read_path_string(s, key);
        if (!value) return std::nullopt;
        fs::path path = resolve(*value);
        if (std::string problem = file_problem(path); !problem.empty()) {
            add(s.get(key), s.key_path(key), std::move(problem));
            return std::nullopt;
        }
        return path;
    }

    fs::path resolve(const std::string& value) const {
        const fs::path path(value);
        return (path.is_absolute() ? path : base_dir_ / path).lexically_normal();
    }

    bool read_listen(const section_view& s, std::string_view key, listen_address& out) {
        const auto value = read_string(s, key);
        if (!value) return false;
        address_parts parts;
        const std::string problem = parse_address(*value, address_role::listen, parts);
        if (!problem.empty()) {
            add(s.get(key), s.key_path(key), problem);
            return false;
        }
        out = {std::move(parts.host), parts.port};
        return true;
    }

    bool read_required_listen(const section_view& s, listen_address& out) {
        if (s.get("listen")) return read_listen(s, "listen", out);
        add(s.table, s.key_path("listen"), "required");
        return false;
    }

    // Leaves out unchanged when the key is absent (the default stands) or invalid (reported).
    template <typename Int>
    void read_integer(const section_view& s, std::string_view key, std::int64_t low,
                      std::int64_t high, Int& out) {
        const toml::node* node = s.get(key);
        if (!node) return;
        const auto* integer = node->as_integer();
        if (!integer) {
            add(node, s.key_path(key), "must be an integer");
            return;
        }
        const std::int64_t value = integer->get();
        if (value < low || value > high) {
            add(node, s.key_path(key),
                high == int64_max
                    ? "must be an integer >= " + std::to_string(low)
                    : "must be an integer " + std::to_string(low) + ".." + std::to_string(high));
            return;
        }
        out = static_cast<Int>(value);
    }

    void read_duration(const section_view& s, std::string_view key,
                       std::chrono::milliseconds& out) {
        std::int64_t ms = out.count();
        read_integer(s, key, 1, max_duration_ms, ms);
        out = std::chrono::milliseconds{ms};
    }

    // The string elements of s.key, or nullopt when absent or not an array (reported).
    // Elements that are not strings are reported and left out.
    std::optional<std::vector<string_element>> read_string_array(const section_view& s,
                                                                 std::string_view key) {
        const toml::node* node = s.get(key);
        if (!node) return std::nullopt;
        const toml::array* array = node->as_array();
        if (!array) {
            add(node, s.key_path(key), "must be an array of strings");
            return std::nullopt;
        }
        std::vector<string_element> out;
        for (std::size_t i = 0; i < array->size(); ++i) {
            const toml::node& element = *array->get(i);
            if (const auto* value = element.as_string()) {
                out.push_back({value->get(), &element, toml_element_path(s.key_path(key), i)});
            } else {
                add(&element, toml_element_path(s.key_path(key), i), "must be a string");
            }
        }
        return out;
    }

    // Request-path prefixes compared against request targets, which never hold spaces or CTLs.
    void read_path_prefixes(const section_view& s, std::string_view key,
                            std::vector<std::string>& out, bool single = false) {
        std::optional<std::vector<string_element>> prefixes;
        if (single) {
            if (const auto value = read_string(s, key)) {
                prefixes = std::vector<string_element>{{*value, s.get(key), s.key_path(key)}};
            }
        } else {
            prefixes = read_string_array(s, key);
        }
        if (!prefixes) return;
        out.clear();
        for (const string_element& element : *prefixes) {
            if (element.value.empty() || element.value.front() != '/') {
                add(element.node, element.path, "must start with \"/\"");
            } else if (!is_visible_ascii(element.value)) {
                add(element.node, element.path, "must contain only visible ASCII characters");
            } else {
                out.push_back(element.value);
            }
        }
    }

    fs::path base_dir_;
    problem_list& problems_;
};

std::string syntax_problem(const toml::parse_error& error) {
    return "syntax error at line " + std::to_string(error.source().begin.line) + ", column " +
           std::to_string(error.source().begin.column) + ": " + std::string(error.description());
}

config_result parse_unguarded(std::string_view toml_text, const std::string& source_path) {
    if (toml_text.size() > max_config_bytes) {
        return failure("config is larger than " + std::to_string(max_config_bytes) + " bytes");
    }
    const toml_prescan prescan(toml_text);
    if (const auto& problem = prescan.first_problem()) {
        return failure("syntax error at " + position_text(toml_text, problem->offset) + ": " +
                       std::string(problem->description));
    }
    if (prescan.key_dots() > max_key_dots) {
        return failure("keys nest too deeply: more than " + std::to_string(max_key_dots) +
                       " '.' outside strings and comments");
    }
    const fs::path source = absolute_path(source_path);
    toml::table root;
    try {
        root = toml::parse(toml_text, std::string_view{source.native()});
    } catch (const toml::parse_error& error) {
        return failure(syntax_problem(error));
    }
    auto result = std::make_shared<config>();
    result->source_path = source.string();
    problem_list problems;
    config_builder(base_directory(source), problems).build(root, *result);
    if (!problems.empty()) return {nullptr, std::move(problems).in_document_order()};
    return {std::move(result), {}};
}

config_result load_unguarded(const std::string& path) {
    const fs::path source = absolute_path(path);
    std::error_code ec;
    const fs::file_status status = fs::status(source, ec);
    if (status.type() == fs::file_type::not_found) {
        return failure("config file not found: " + source.string());
    }
    if (!ec && !fs::is_regular_file(status)) {
        return failure("config file is not a regular file: " + source.string());
    }
    std::ifstream in(source, std::ios::binary);
    if (ec || !in) return failure("config file not readable: " + source.string());
    // One byte past the limit is enough for parse_config to refuse the file.
    std::string text(max_config_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return failure("config file not readable: " + source.string());
    text.resize(static_cast<std::size_t>(in.gcount()));
    return parse_unguarded(text, source.string());
}

}  // namespace

config_result parse_config(std::string_view toml_text, const std::string& source_path) {
    try {
        return parse_unguarded(toml_text, source_path);
    } catch (const std::bad_alloc&) {
        return failure("out of memory while loading the config");
    } catch (...) {
        return failure("unexpected error while loading the config");
    }
}

config_result load_config(const std::string& path) {
    try {
        return load_unguarded(path);
    } catch (const std::bad_alloc&) {
        return failure("out of memory while loading the config");
    } catch (...) {
        return failure("unexpected error while loading the config");
    }
}

}  // namespace gangway
