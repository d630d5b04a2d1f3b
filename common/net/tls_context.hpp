#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

namespace gangway {

// A server TLS context (TLS 1.2+, modern AEAD ciphers) with the given PEM chain and key.
// Throws std::runtime_error naming the file that failed (never its contents) — start-up and
// reload only, where exceptions are allowed.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const std::string& cert_file,
                                                                   const std::string& key_file);

}  // namespace gangway
