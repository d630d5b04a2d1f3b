#include "tests/integration/support/fake_upstream.hpp"

#include "common/http/field_text.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <functional>
#include <stdexcept>
#include <utility>

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace gangway::integration {
namespace {

constexpr std::size_t piece_size = 64 * 1024;
constexpr std::size_t max_head_bytes = 1024 * 1024;
constexpr std::uint64_t max_frame_bytes = 16 * 1024 * 1024;
constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string websocket_accept(std::string_view key) {
    std::string input = std::string(key) + std::string(websocket_guid);
    std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
    SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
    std::array<unsigned char, 4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1> out{};
    int n = EVP_EncodeBlock(out.data(), digest.data(), SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

std::string status_text(unsigned status) {
    switch (status) {
        case 101: return "Switching Protocols";
        case 200: return "OK";
        case 204: return "No Content";
        case 304: return "Not Modified";
        case 404: return "Not Found";
        default: return "Status";
    }
}

std::string to_hex(std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    do {
        out.insert(out.begin(), digits[n & 0xf]);
        n >>= 4;
    } while (n);
    return out;
}

}  // namespace

std::string pattern_bytes(std::uint64_t offset, std::size_t n) {
    std::string out(n, '\0');
    for (std::size_t i = 0; i < n; ++i) out[i] = pattern_byte(offset + i);
    return out;
}

// One accepted socket. `open` and `record` are guarded by the owner's mutex; the rest belongs
// to the connection's thread.
struct fake_upstream::connection {
    connection(fake_upstream& o, int f) : owner(o), fd(f) {}

    fake_upstream& owner;
    int fd;
    bool open = true;
    std::string record;
    std::string unread;

    // Appends what arrives next to `unread`; false when the peer closed or the socket failed.
    bool receive() {
        std::array<char, piece_size> piece;
        ssize_t n;
        do {
            n = ::recv(fd, piece.data(), piece.size(), 0);
        } while (n < 0 && errno == EINTR);
        if (n <= 0) return false;
        auto got = static_cast<std::size_t>(n);
        owner.bytes_ += got;
        {
            std::lock_guard lock(owner.mutex_);
            if (record.size() < record_limit)
                record.append(piece.data(), std::min(got, record_limit - record.size()));
        }
        unread.append(piece.data(), got);
        return true;
    }

    bool ensure(std::size_t n) {
        while (unread.size() < n)
            if (!receive()) return false;
        return true;
    }

    bool read_line(std::string& line) {
        std::size_t end;
        while ((end = unread.find("\r\n")) == std::string::npos)
            if (unread.size() > max_head_bytes || !receive()) return false;
        line = unread.substr(0, end);
        unread.erase(0, end + 2);
        return true;
    }

    // Passes exactly n bytes to `sink` in the pieces they arrive in; false if the stream ends
    // first or the sink refuses.
    bool take(std::uint64_t n, const std::function<bool(std::string_view)>& sink) {
        while (n > 0) {
            if (unread.empty() && !receive()) return false;
            auto piece = static_cast<std::size_t>(std::min<std::uint64_t>(n, unread.size()));
            if (!sink(std::string_view(unread.data(), piece))) return false;
            unread.erase(0, piece);
            n -= piece;
        }
        return true;
    }

    bool send_all(std::string_view bytes) {
        while (!bytes.empty()) {
            auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
};

struct fake_upstream::request {
    std::string head;  // raw, request line to the empty line inclusive
    std::string method;
    std::string target;
    std::string version;
    std::string path;
    std::string query;
    std::vector<std::pair<std::string, std::string>> headers;
    bool chunked = false;
    std::uint64_t length = 0;
    bool keep_alive = true;

    std::string header(std::string_view name) const {
        for (const auto& [n, v] : headers)
            if (iequals(n, name)) return v;
        return {};
    }

    bool parse() {
        auto line_end = head.find("\r\n");
        std::string_view line{head.data(), line_end};
        auto sp1 = line.find(' ');
        auto sp2 = line.rfind(' ');
        if (sp1 == std::string_view::npos || sp1 == sp2) return false;
        method = line.substr(0, sp1);
        target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        version = line.substr(sp2 + 1);
        auto q = target.find('?');
        path = target.substr(0, q);
        query = q == std::string::npos ? "" : target.substr(q + 1);
        std::string_view rest{head};
        for (auto pos = line_end + 2; pos + 2 < head.size();) {
            auto next = rest.find("\r\n", pos);
            auto field = rest.substr(pos, next - pos);
            auto colon = field.find(':');
            if (colon == std::string_view::npos) return false;
            headers.emplace_back(std::string(field.substr(0, colon)),
                                 std::string(trim_ows(field.substr(colon + 1))));
            pos = next + 2;
        }
        chunked = contains_token(header("Transfer-Encoding"), "chunked");
        length = chunked ? 0 : std::strtoull(header("Content-Length").c_str(), nullptr, 10);
        auto conn = header("Connection");
        keep_alive = version == "HTTP/1.1" ? !contains_token(conn, "close")
                                           : contains_token(conn, "keep-alive");
        return true;
    }
};

namespace {

using body_sink = std::function<bool(std::string_view)>;

}  // namespace

fake_upstream::fake_upstream(std::string name) : name_(std::move(name)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("fake_upstream: socket failed");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 128) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        ::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
        ::close(listen_fd_);
        throw std::runtime_error("fake_upstream: cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

fake_upstream::~fake_upstream() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& c : connections_)
            if (c->open) ::shutdown(c->fd, SHUT_RDWR);
    }
    hold_changed_.notify_all();
    char wake = 1;
    [[maybe_unused]] auto ignored = ::write(wake_pipe_[1], &wake, 1);
    acceptor_.join();
    for (auto& t : threads_) t.join();
    ::close(listen_fd_);
    ::close(wake_pipe_[0]);
    ::close(wake_pipe_[1]);
}

std::vector<std::string> fake_upstream::received() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& c : connections_) out.push_back(c->record);
    return out;
}

std::vector<std::string> fake_upstream::request_heads() const {
    std::lock_guard lock(mutex_);
    return heads_;
}

bool fake_upstream::wait_quiet(std::chrono::milliseconds within) {
    constexpr auto recheck = std::chrono::milliseconds(2);
    auto deadline = std::chrono::steady_clock::now() + within;
    std::unique_lock lock(mutex_);
    for (;;) {
        pollfd pending{listen_fd_, POLLIN, 0};
        bool quiet = ::poll(&pending, 1, 0) == 0;
        for (const auto& c : connections_) quiet = quiet && !c->open;
        if (quiet) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        // The backlog has no event to wait for, hence the bounded wait.
        hold_changed_.wait_for(lock, recheck);
    }
}

bool fake_upstream::wait_held(std::size_t n, std::chrono::milliseconds within) {
    std::unique_lock lock(mutex_);
    return hold_changed_.wait_for(lock, within, [&] { return held_ >= n; });
}

void fake_upstream::release() {
    {
        std::lock_guard lock(mutex_);
        released_ = true;
    }
    hold_changed_.notify_all();
}

void fake_upstream::accept_loop() {
    for (;;) {
        pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents) return;
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ++accepted_;
        auto c = std::make_shared<connection>(*this, fd);
        std::lock_guard lock(mutex_);
        if (stopping_) {
            ::close(fd);
            return;
        }
        connections_.push_back(c);
        threads_.emplace_back([this, c] { serve(c); });
    }
}

void fake_upstream::serve(std::shared_ptr<connection> c) {
    for (;;) {
        std::size_t end;
        bool got_head = true;
        while ((end = c->unread.find("\r\n\r\n")) == std::string::npos)
            if (c->unread.size() > max_head_bytes || !c->receive()) {
                got_head = false;
                break;
            }
        if (!got_head) break;
        request req;
        req.head = c->unread.substr(0, end + 4);
        c->unread.erase(0, end + 4);
        ++requests_;
        {
            std::lock_guard lock(mutex_);
            heads_.push_back(req.head);
        }
        if (!req.parse() || !handle(*c, req)) break;
    }
    {
        std::lock_guard lock(mutex_);
        c->open = false;
        ::close(c->fd);
    }
    hold_changed_.notify_all();
}

// Answers one request; returns whether the connection may carry another.
bool fake_upstream::handle(connection& c, request& req) {
    auto head = [&](unsigned status, std::string_view fields) {
        std::string h = "HTTP/1.1 " + std::to_string(status) + " " + status_text(status) +
                        "\r\nX-Upstream: " + name_ + "\r\n" + std::string(fields);
        if (!req.keep_alive) h += "Connection: close\r\n";
        return h + "\r\n";
    };
    auto answer = [&](unsigned status, std::string_view body,
                      std::string_view type = "text/plain") {
        return c.send_all(head(status, "Content-Type: " + std::string(type) +
                                           "\r\nContent-Length: " + std::to_string(body.size()) +
                                           "\r\n") +
                          std::string(body)) &&
               req.keep_alive;
    };
    auto send_chunk = [&](std::string_view data) {
        return c.send_all(to_hex(data.size()) + "\r\n" + std::string(data) + "\r\n");
    };
    auto read_body = [&](const body_sink& sink) {
        if (!req.chunked) return c.take(req.length, sink);
        for (;;) {
            std::string line;
            if (!c.read_line(line)) return false;
            char* end = nullptr;
            auto size = std::strtoull(line.c_str(), &end, 16);
            if (end == line.c_str()) return false;
            if (size == 0) {
                do {  // trailer fields up to the empty line
                    if (!c.read_line(line)) return false;
                } while (!line.empty());
                return true;
            }
            if (!c.take(size, sink) || !c.read_line(line) || !line.empty()) return false;
        }
    };
    auto drop = [](std::string_view) { return true; };

    const std::string& path = req.path;
    if (path == "/echo") {
        if (req.chunked) {
            if (!c.send_all(head(200, "Content-Type: application/octet-stream\r\n"
                                      "Transfer-Encoding: chunked\r\n")))
                return false;
            if (!read_body([&](std::string_view piece) { return send_chunk(piece); }))
                return false;
            return c.send_all("0\r\n\r\n") && req.keep_alive;
        }
        std::string body;
        if (!read_body([&](std::string_view piece) {
                body.append(piece);
                return true;
            }))
            return false;
        return answer(200, body, "application/octet-stream");
    }
    if (path.starts_with("/bytes/")) {
        auto total = std::strtoull(path.c_str() + 7, nullptr, 10);
        bool with_length = req.query == "cl";
        if (!read_body(drop)) return false;
        if (!c.send_all(head(200, "Content-Type: application/octet-stream\r\n" +
                                      (with_length ? "Content-Length: " + std::to_string(total)
                                                   : std::string("Transfer-Encoding: chunked")) +
                                      "\r\n")))
            return false;
        for (std::uint64_t sent = 0; sent < total;) {
            auto n = static_cast<std::size_t>(std::min<std::uint64_t>(piece_size, total - sent));
            auto piece = pattern_bytes(sent, n);
            if (!(with_length ? c.send_all(piece) : send_chunk(piece))) return false;
            sent += n;
        }
        return (with_length || c.send_all("0\r\n\r\n")) && req.keep_alive;
    }
    if (path == "/chunked") {
        if (!read_body(drop) ||
            !c.send_all(head(200, "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n")))
            return false;
        std::string_view rest = chunked_body;
        while (!rest.empty()) {
            auto semi = rest.find(';');
            auto piece = semi == std::string_view::npos ? rest : rest.substr(0, semi + 1);
            if (!send_chunk(piece)) return false;
            rest.remove_prefix(piece.size());
        }
        return c.send_all("0\r\n\r\n") && req.keep_alive;
    }
    if (path == "/slow") {
        while (c.receive()) c.unread.clear();
        return false;
    }
    if (path == "/hold") {
        if (!read_body(drop)) return false;
        {
            std::unique_lock lock(mutex_);
            ++held_;
            hold_changed_.notify_all();
            hold_changed_.wait(lock, [&] { return released_ || stopping_; });
            --held_;
            if (stopping_) return false;
        }
        return answer(200, "released");
    }
    if (path.starts_with("/delay/")) {  // an app that takes N ms to answer
        if (!read_body(drop)) return false;
        const auto until = std::chrono::steady_clock::now() +
                           std::chrono::milliseconds{std::strtoul(path.c_str() + 7, nullptr, 10)};
        {
            std::unique_lock lock(mutex_);
            if (hold_changed_.wait_until(lock, until, [&] { return stopping_; })) return false;
        }
        return answer(200, "delayed");
    }
    if (path == "/headers") {
        if (!read_body(drop)) return false;
        return answer(200, req.head);
    }
    if (path == "/upload") {
        std::uint64_t count = 0;
        if (!read_body([&](std::string_view piece) {
                count += piece.size();
                return true;
            }))
            return false;
        return answer(200, std::to_string(count));
    }
    if (path.starts_with("/status/")) {
        if (!read_body(drop)) return false;
        auto status = static_cast<unsigned>(std::strtoul(path.c_str() + 8, nullptr, 10));
        if (status == 204 || status == 304) return c.send_all(head(status, "")) && req.keep_alive;
        return answer(status, "");
    }
    if (path == "/ws") {
        if (!c.send_all("HTTP/1.1 101 Switching Protocols\r\nX-Upstream: " + name_ +
                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                        websocket_accept(req.header("Sec-WebSocket-Key")) + "\r\n\r\n"))
            return false;
        for (;;) {
            if (!c.ensure(2)) return false;
            auto b0 = static_cast<unsigned char>(c.unread[0]);
            auto b1 = static_cast<unsigned char>(c.unread[1]);
            unsigned opcode = b0 & 0x0f;
            bool masked = (b1 & 0x80) != 0;
            std::uint64_t length = b1 & 0x7f;
            std::size_t at = 2;
            if (length >= 126) {
                std::size_t width = length == 126 ? 2 : 8;
                if (!c.ensure(at + width)) return false;
                length = 0;
                for (std::size_t i = 0; i < width; ++i)
                    length = (length << 8) | static_cast<unsigned char>(c.unread[at + i]);
                at += width;
            }
            if (length > max_frame_bytes) return false;
            std::array<unsigned char, 4> mask{};
            if (masked) {
                if (!c.ensure(at + 4)) return false;
                for (std::size_t i = 0; i < 4; ++i)
                    mask[i] = static_cast<unsigned char>(c.unread[at + i]);
                at += 4;
            }
            if (!c.ensure(at + length)) return false;
            std::string payload = c.unread.substr(at, length);
            c.unread.erase(0, at + length);
            if (masked)
                for (std::size_t i = 0; i < payload.size(); ++i)
                    payload[i] = static_cast<char>(payload[i] ^ mask[i % 4]);
            unsigned reply_opcode = opcode == 9 ? 10 : opcode;
            if (opcode == 10) continue;  // pong: nothing to answer
            std::string frame(1, static_cast<char>(0x80 | reply_opcode));
            if (payload.size() < 126) {
                frame.push_back(static_cast<char>(payload.size()));
            } else if (payload.size() <= 0xffff) {
                frame.push_back(static_cast<char>(126));
                frame.push_back(static_cast<char>(payload.size() >> 8));
                frame.push_back(static_cast<char>(payload.size() & 0xff));
            } else {
                frame.push_back(static_cast<char>(127));
                for (int shift = 56; shift >= 0; shift -= 8)
                    frame.push_back(static_cast<char>((payload.size() >> shift) & 0xff));
            }
            if (!c.send_all(frame + payload) || opcode == 8) return false;
        }
    }
    if (!read_body(drop)) return false;
    if (path == "/vanish") {  // promises keep-alive, then closes: an upstream's idle timeout
        answer(200, "vanished");
        return false;
    }
    if (path == "/" || path == "*") return answer(200, "ok");
    return answer(404, "not found");
}

}  // namespace gangway::integration
