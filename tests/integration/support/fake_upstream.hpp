#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

// An HTTP/1.1 origin server for integration tests, on 127.0.0.1 and a kernel-chosen port.
// Every connection is served by its own thread with blocking sockets; connections are kept
// alive unless the request asks otherwise. It records every byte it receives, per connection,
// so a test can prove that a refused request reached it not at all.
//
// Behaviour by path (the query string is ignored unless stated):
//   /echo          200 with the request body. A chunked request is echoed chunk by chunk as
//                  it arrives (chunked); a Content-Length body is read whole, then answered
//                  with Content-Length.
//   /bytes/N       200 with N bytes of pattern_byte(0..N-1), chunked in 64 KiB pieces and
//                  generated on the fly; "/bytes/N?cl" uses Content-Length instead.
//   /chunked       200, chunked, body chunked_body.
//   /slow          never answers: reads until the gateway closes the connection.
//   /hold          answers 200 "released" once release() is called (at once after that).
//   /delay/N       answers 200 "delayed" N milliseconds after the request (a slow app).
//   /headers       200 with the request head exactly as received (request line to the
//                  empty line); the request body is read and dropped.
//   /ws            WebSocket handshake (101 with the right Sec-WebSocket-Accept), then echoes
//                  text and binary frames unmasked; answers ping with pong and close with close.
//   /upload        reads and drops the body, answers 200 with its byte count in decimal.
//   /status/NNN    answers status NNN with an empty body.
//   /vanish        200 "vanished" without "Connection: close", then closes the connection
//                  (as an upstream whose keep-alive timeout fires right after answering).
//   / and *        200 "ok". Anything else 404.
// Every response carries "X-Upstream: <name>".
namespace gangway::integration {

// Byte i of the /bytes stream.
constexpr char pattern_byte(std::uint64_t i) noexcept { return static_cast<char>('a' + i % 26); }

// `n` pattern bytes starting at stream offset `offset`.
std::string pattern_bytes(std::uint64_t offset, std::size_t n);

class fake_upstream {
public:
    static constexpr std::string_view chunked_body = "first chunk;second chunk;third chunk";
    // Bytes recorded per connection; bytes beyond it are counted but not kept.
    static constexpr std::size_t record_limit = 4 * 1024 * 1024;

    explicit fake_upstream(std::string name = "upstream");
    // Closes every connection, answers nothing more, joins every thread.
    ~fake_upstream();
    fake_upstream(const fake_upstream&) = delete;
    fake_upstream& operator=(const fake_upstream&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    const std::string& name() const noexcept { return name_; }

    std::size_t connections_accepted() const noexcept { return accepted_.load(); }
    std::size_t requests_received() const noexcept { return requests_.load(); }
    std::uint64_t bytes_received() const noexcept { return bytes_.load(); }
    // Raw bytes received on each connection, in accept order (each up to record_limit).
    std::vector<std::string> received() const;
    // Every request head received, in order, as raw text.
    std::vector<std::string> request_heads() const;

    // Waits until no connection is waiting to be accepted and every accepted one has been
    // closed by its peer and fully read (true), or `within` passes (false). After it returns
    // true, the counters and records above are final for everything sent so far.
    bool wait_quiet(std::chrono::milliseconds within);

    // Waits until at least `n` /hold requests are waiting (true) or `within` passes (false).
    bool wait_held(std::size_t n, std::chrono::milliseconds within);
    // Lets every /hold request, present and future, answer.
    void release();

private:
    struct connection;
    struct request;

    void accept_loop();
    void serve(std::shared_ptr<connection> c);
    bool handle(connection& c, request& req);

    std::string name_;
    int listen_fd_ = -1;
    int wake_pipe_[2] = {-1, -1};
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> accepted_{0};
    std::atomic<std::size_t> requests_{0};
    std::atomic<std::uint64_t> bytes_{0};

    mutable std::mutex mutex_;
    std::condition_variable hold_changed_;  // also signalled when a connection ends
    std::size_t held_ = 0;
    bool released_ = false;
    bool stopping_ = false;
    std::vector<std::shared_ptr<connection>> connections_;
    std::vector<std::string> heads_;
    std::vector<std::thread> threads_;
    std::thread acceptor_;
};

}  // namespace gangway::integration
