#include "proxy/relay/body_buffers.hpp"

namespace geogate {
namespace {

constexpr std::size_t max_spare_body_buffers = 32;
constexpr std::size_t max_spare_large_body_buffers = 16;
thread_local std::vector<body_buffer> spare_body_buffers;
thread_local std::vector<body_buffer> spare_large_body_buffers;

} // namespace

void return_body_buffer(body_buffer& b) {
    if (b.empty())
        return;
    const bool large = b.size() > body_chunk;
    auto& spares = large ? spare_large_body_buffers : spare_body_buffers;
    if (spares.size() < (large ? max_spare_large_body_buffers : max_spare_body_buffers))
        spares.push_back(std::move(b));
    body_buffer().swap(b);
}

void borrow_body_buffer(body_buffer& b, std::size_t size) {
    if (b.size() >= size)
        return;
    return_body_buffer(b);
    auto& spares = size > body_chunk ? spare_large_body_buffers : spare_body_buffers;
    if (!spares.empty()) {
        b.swap(spares.back());
        spares.pop_back();
    } else {
        b.resize(size);
    }
}

} // namespace geogate
