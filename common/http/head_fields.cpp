#include "common/http/head_fields.hpp"

#include "common/http/field_text.hpp"

namespace gangway {
namespace {

constexpr char ascii_lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

// `lower` is lower case and as long as `name`.
bool same_name(std::string_view name, std::string_view lower) noexcept {
    for (std::size_t i = 0; i < name.size(); ++i)
        if (ascii_lower(name[i]) != lower[i]) return false;
    return true;
}

struct named_kind {
    std::string_view lower;
    known_field kind;
};

template <std::size_t N>
known_field pick(std::string_view name, const named_kind (&candidates)[N]) noexcept {
    const char first = ascii_lower(name[0]);
    for (const auto& c : candidates)
        if (c.lower[0] == first && same_name(name, c.lower)) return c.kind;
    return known_field::other;
}

}  // namespace

// By length first: most names are then compared with at most three candidates.
known_field classify_field(std::string_view name) noexcept {
    using k = known_field;
    switch (name.size()) {
    case 2: {
        static constexpr named_kind c[] = {{"te", k::te}};
        return pick(name, c);
    }
    case 4: {
        static constexpr named_kind c[] = {{"host", k::host}};
        return pick(name, c);
    }
    case 6: {
        static constexpr named_kind c[] = {{"accept", k::accept}, {"cookie", k::cookie}, {"expect", k::expect}};
        return pick(name, c);
    }
    case 7: {
        static constexpr named_kind c[] = {{"trailer", k::trailer}, {"upgrade", k::upgrade}};
        return pick(name, c);
    }
    case 9: {
        static constexpr named_kind c[] = {{"forwarded", k::forwarded}, {"x-real-ip", k::x_real_ip}};
        return pick(name, c);
    }
    case 10: {
        static constexpr named_kind c[] = {{"connection", k::connection}, {"keep-alive", k::keep_alive}};
        return pick(name, c);
    }
    case 12: {
        static constexpr named_kind c[] = {{"x-request-id", k::x_request_id}};
        return pick(name, c);
    }
    case 14: {
        static constexpr named_kind c[] = {{"content-length", k::content_length},
                                           {"sec-fetch-mode", k::sec_fetch_mode},
                                           {"sec-fetch-dest", k::sec_fetch_dest}};
        return pick(name, c);
    }
    case 15: {
        static constexpr named_kind c[] = {{"x-forwarded-for", k::x_forwarded_for}};
        return pick(name, c);
    }
    case 16: {
        static constexpr named_kind c[] = {{"proxy-connection", k::proxy_connection},
                                           {"x-forwarded-host", k::x_forwarded_host},
                                           {"x-requested-with", k::x_requested_with}};
        return pick(name, c);
    }
    case 17: {
        static constexpr named_kind c[] = {{"transfer-encoding", k::transfer_encoding},
                                           {"x-forwarded-proto", k::x_forwarded_proto}};
        return pick(name, c);
    }
    case 18: {
        static constexpr named_kind c[] = {{"proxy-authenticate", k::proxy_authenticate}};
        return pick(name, c);
    }
    case 19: {
        static constexpr named_kind c[] = {{"proxy-authorization", k::proxy_authorization}};
        return pick(name, c);
    }
    default: return k::other;
    }
}

std::string_view head_fields::find(std::string_view name) const noexcept {
    for (const auto& f : lines_)
        if (iequals(f.name, name)) return f.value;
    return {};
}

bool head_fields::has_token(known_field k, std::string_view token) const noexcept {
    const auto first = first_[static_cast<std::size_t>(k)];
    if (first == absent) return false;
    for (std::size_t i = first; i < lines_.size(); ++i)
        if (lines_[i].kind == k && contains_token(lines_[i].value, token)) return true;
    return false;
}

bool head_fields::named_in_connection(std::string_view name) const noexcept {
    return has_token(known_field::connection, name);
}

void head_fields::note_connection_tokens(std::string_view value, unsigned shift) noexcept {
    for_each_list_element(value, [&](std::string_view e) {
        unsigned bit = 0;
        switch (e.size()) {
        case 5: bit = same_name(e, "close") ? says_close : 0u; break;
        case 7: bit = same_name(e, "upgrade") ? says_upgrade : 0u; break;
        case 10: bit = same_name(e, "keep-alive") ? says_keep_alive : 0u; break;
        default: break;
        }
        connection_tokens_ |= bit << shift;
        if (shift == 0 && bit != says_close && bit != says_keep_alive) connection_tokens_ |= names_other;
    });
}

bool request_head_view::keep_alive() const noexcept {
    if (!http10) return !fields.connection_says("close");
    return fields.connection_says("keep-alive");
}

bool request_head_view::upgrade() const noexcept {
    return fields.connection_says("upgrade") || fields.proxy_connection_says("upgrade");
}

}  // namespace gangway
