#pragma once
// One client connection: read a request head (limits, deadline), check it strictly, take one
// snapshot, find the client's region, decide, then answer locally (redirect, block, error) or
// forward to the origin and relay the response (through the notice transform when the
// decision says so), log, and loop for the next request on a keep-alive connection.
// The request flow is written down in docs/request-flow.md with these function names.
#include "proxy/http/any_stream.hpp"
#include "proxy/http/header_policy.hpp"
#include "proxy/http/net.hpp"
#include "proxy/runtime/worker.hpp"
#include "proxy/telemetry/request_record.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace geogate {

class body_transform;
struct notice_plan;
struct request_target;

/// Bytes for relaying a body: a vector that does not zero what it allocates (every byte is
/// written by a read before it is used), so lending a fresh 256 KiB buffer costs no memset.
template <class T> struct default_init_allocator : std::allocator<T> {
    using value_type = T;
    template <class U> struct rebind { using other = default_init_allocator<U>; };
    default_init_allocator() = default;
    template <class U> default_init_allocator(const default_init_allocator<U>&) noexcept {}
    template <class U> void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U; // default-initialised: no zeroing for char
    }
    template <class U, class... Args> void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};
using body_buffer = std::vector<char, default_init_allocator<char>>;

class session : public std::enable_shared_from_this<session> {
public:
    session(worker& w, any_stream stream, tcp::endpoint peer,
            std::shared_ptr<ssl::context> tls_ctx);
    ~session();
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    /// Runs the connection to its end. Never throws.
    awaitable<void> run();

    /// Shutdown: closes the connection now if it is waiting for a request; otherwise the
    /// current request finishes and the connection closes after it.
    void close_if_idle() noexcept;

private:
    enum class head_result { ok, closed, answered };
    awaitable<head_result> read_request_head();
    /// A head refused before it was parsed: rate-limited request_refused event (refusal_log).
    void note_refused_head(unsigned status, std::string_view why);
    awaitable<bool> handle_request(std::size_t head_size);
    awaitable<bool> forward(const snapshot& snap, const rules::rule* rule,
                            const notice_plan& notice, http::request_parser<http::buffer_body>& req,
                            const request_target& target, request_record& rec);
    awaitable<std::optional<std::size_t>>
    read_body_piece(http::request_parser<http::buffer_body>& req, request_record& rec);
    awaitable<bool> prefetch_body(http::request_parser<http::buffer_body>& req,
                                  std::string& prefetched, request_record& rec);
    awaitable<bool> send_body_upstream(http::request_parser<http::buffer_body>& req,
                                       std::string_view prefetched, upstream_connection& up,
                                       request_record& rec);
    awaitable<bool> relay_response(const snapshot& snap, const rules::rule* rule,
                                   const notice_plan& notice,
                                   const http::request<http::buffer_body>& req,
                                   http::response_parser<http::buffer_body>& res,
                                   upstream_connection& up, request_record& rec, bool& reusable);
    /// The notices.on_unrewritable answer (error page or notice page), logged; nothing of the
    /// origin's response went out.
    awaitable<void> answer_unrewritable(const snapshot& snap, const rules::rule& r,
                                        const notice_plan& notice,
                                        const http::request_header<>& req, request_record& rec);
    /// A transformed body cut short after part of it went out: what the transform still owes
    /// the reader (the notice) in one last chunk, and no terminating chunk.
    awaitable<void> abandon_body(body_transform& transform, bool chunked, request_record& rec);
    awaitable<void> tunnel(upstream_connection& up);
    awaitable<bool> write_client(std::span<const net::const_buffer> buffers, request_record& rec);
    awaitable<void> answer_local(std::string response, request_record& rec, unsigned status);
    void finish_request(request_record& rec);

    // Client-side deadlines. Beast's own (tcp_stream::expires_after) closes the socket when it
    // passes, which leaves no way to answer 408, and it measures a whole write, which a reader
    // that is slowly but steadily reading can take far longer than body_timeout to finish. These
    // cancel the pending operation and keep the socket; with a progress window, every byte the
    // client acknowledges moves the deadline to now + window (limits.body_timeout: "no progress
    // for this long"). Arm right before one client operation; disarm right after it, which
    // turns the cancellation it caused into beast::error::timeout.
    void arm_client_deadline(std::chrono::steady_clock::time_point at,
                             std::chrono::milliseconds progress_window = {});
    error_code disarm_client_deadline(error_code ec);
    void schedule_client_deadline();
    std::chrono::steady_clock::time_point next_deadline_check() const;
    void on_client_deadline(std::uint64_t generation);

    worker& worker_;
    std::shared_ptr<ssl::context>
        tls_ctx_; // keeps the context of a TLS stream alive across reloads
    any_stream stream_;
    tcp::endpoint peer_;
    std::string peer_text_;
    std::shared_ptr<const snapshot> snap_; // of the request being read or answered
    beast::flat_buffer buffer_;
    body_buffer body_buf_; // lent while a body is relayed (session.cpp)
    net::steady_timer deadline_timer_;
    std::chrono::steady_clock::time_point deadline_at_;
    std::chrono::milliseconds deadline_window_{0};
    std::chrono::steady_clock::time_point deadline_timer_at_; // when the pending wait fires
    std::uint64_t deadline_generation_ = 0; // of the pending wait: a replaced one does nothing
    std::uint64_t deadline_acked_ = 0;
    bool deadline_armed_ = false;         // a client operation is being watched
    bool deadline_timer_pending_ = false; // deadline_timer_ has a wait that will fire
    bool deadline_passed_ = false;
    bool idle_ = true;
    bool first_request_ = true;
    bool tls_handshake_done_ = false;
    bool last_write_waited_ = false; // write_client() had to wait for the reader
};

/// Starts a session coroutine on worker `w`; call on that worker's thread. `tls_ctx` is the
/// server TLS context the stream was made with (nullptr for plain TCP).
void start_session(worker& w, any_stream stream, tcp::endpoint peer,
                   std::shared_ptr<ssl::context> tls_ctx);

} // namespace geogate
