#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// What the sites' gateways say to each other inside sealed envelopes (peer_envelope.hpp), as
// JSON bodies. Requests go to POST <peer_url>/_gangway/peer/v1/<kind>; the answer is an
// envelope of kind "<kind>_reply" addressed back to the sender, naming the request's message
// id so that no other answer can stand in for it.
namespace gangway {

inline constexpr std::string_view peer_path_prefix = "/_gangway/peer/v1/";

// Credentials typed at the sender's login form, for the site where the account lives.
struct peer_login_request {
    std::string email;
    std::string password;
    std::string next;        // validated by the sender; the receiver validates it again
    std::string client_ip;   // the browser's, as the sender saw it: the handoff is bound to it
    std::string user_agent;
};

// How the receiver's check ended. `not_here`: no such email with an account active on the
// receiving site (the sender may ask another site); the others end the login.
enum class peer_login_outcome { handoff, failed, not_here, locked, limited, unavailable };
std::string_view to_string(peer_login_outcome o) noexcept;

struct peer_login_reply {
    peer_login_outcome outcome = peer_login_outcome::unavailable;
    std::string location;  // handoff: https://<receiver origin>/_gangway/handoff?token=...
};

// A session handed over (kind "transfer"): the sender's gateway vouches that this user holds a
// valid session of the sender's site for an account that has moved to the receiver. The
// receiver answers like a login (peer_login_reply): a handoff URL when the account is active
// there and the user is its user.
struct peer_transfer_request {
    std::uint64_t user_id = 0;
    std::uint64_t account_id = 0;
    std::string email;
    std::string next;
    std::string client_ip;
    std::string user_agent;
};

// A forgotten-password request: the receiver asks its upstream app to send the reset mail
// when the account lives there.
struct peer_reset_request {
    std::string email;
    std::string client_ip;
};
enum class peer_reset_outcome { sent, not_here, unavailable };
std::string_view to_string(peer_reset_outcome o) noexcept;

std::string encode(const peer_login_request& r);
std::string encode(const peer_login_reply& r, std::string_view in_reply_to);
std::string encode(const peer_reset_request& r);
std::string encode(const peer_transfer_request& r);
std::string encode(peer_reset_outcome o, std::string_view in_reply_to);

// nullopt when the body is not exactly what encode() makes (not JSON, a missing or mistyped
// field, an unknown outcome) or answers another message id.
std::optional<peer_login_request> decode_login_request(std::string_view body);
std::optional<peer_login_reply> decode_login_reply(std::string_view body, std::string_view request_id);
std::optional<peer_reset_request> decode_reset_request(std::string_view body);
std::optional<peer_transfer_request> decode_transfer_request(std::string_view body);
std::optional<peer_reset_outcome> decode_reset_reply(std::string_view body, std::string_view request_id);

}  // namespace gangway
