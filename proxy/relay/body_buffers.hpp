#pragma once
// Buffers for relaying bodies, lent per worker thread. A connection borrows one for the
// requests that need it (a request body, a response body) and gives it back when it turns
// idle; a few spares per thread keep the busy path free of allocation (and of zero-filling).
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace geogate {

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

/// The usual piece of a body: one read, one write.
constexpr std::size_t body_chunk = 64 * 1024;
/// A length-delimited response body with more than body_chunk still to come is read in pieces
/// of up to this much: the bench's 200 KB asset then takes one read and one write after the
/// head instead of three of each (docs/performance.md, session 4).
constexpr std::size_t large_body_chunk = 256 * 1024;

/// Makes `b` at least `size` bytes, from this thread's spares when there is one.
void borrow_body_buffer(body_buffer& b, std::size_t size = body_chunk);
/// Gives `b` back to this thread's spares (or frees it); `b` is empty afterwards.
void return_body_buffer(body_buffer& b);

} // namespace geogate
