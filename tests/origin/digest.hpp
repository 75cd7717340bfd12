#pragma once
// Small OpenSSL/zlib/brotli helpers for the test origin and the integration tests.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace geogate::test {

/// Incremental SHA-256; hex() may be called once, at the end.
class sha256 {
public:
    sha256();
    ~sha256();
    sha256(const sha256&) = delete;
    sha256& operator=(const sha256&) = delete;
    void update(std::string_view bytes);
    std::string hex();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

std::string sha256_hex(std::string_view bytes);
/// base64(SHA-1(key + RFC 6455 GUID)): the Sec-WebSocket-Accept value for a key.
std::string websocket_accept(std::string_view key);
/// gzip (RFC 1952) and brotli encodings of a whole buffer; empty string on failure.
std::string gzip_compress(std::string_view in);
std::string brotli_compress(std::string_view in);
/// Inverse of the above, for tests that check what the proxy relayed; empty on failure.
std::string gzip_decompress(std::string_view in);
std::string brotli_decompress(std::string_view in);

} // namespace geogate::test
