#include "tests/origin/digest.hpp"

#include <array>
#include <brotli/decode.h>
#include <brotli/encode.h>
#include <cstdint>
#include <openssl/evp.h>
#include <zlib.h>

namespace geogate::test {

struct sha256::impl {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~impl() { EVP_MD_CTX_free(ctx); }
};

sha256::sha256() : impl_(std::make_unique<impl>()) {
    EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
}
sha256::~sha256() = default;

void sha256::update(std::string_view bytes) {
    EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size());
}

static std::string to_hex(const unsigned char* p, unsigned n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < n; ++i) {
        out += digits[p[i] >> 4];
        out += digits[p[i] & 15];
    }
    return out;
}

std::string sha256::hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned n = 0;
    EVP_DigestFinal_ex(impl_->ctx, md.data(), &n);
    return to_hex(md.data(), n);
}

std::string sha256_hex(std::string_view bytes) {
    sha256 h;
    h.update(bytes);
    return h.hex();
}

std::string websocket_accept(std::string_view key) {
    std::string in(key);
    in += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned n = 0;
    EVP_Digest(in.data(), in.size(), md.data(), &n, EVP_sha1(), nullptr);
    std::array<unsigned char, 64> b64{};
    const int len = EVP_EncodeBlock(b64.data(), md.data(), static_cast<int>(n));
    return std::string(reinterpret_cast<const char*>(b64.data()), static_cast<std::size_t>(len));
}

static std::string zlib_run(std::string_view in, bool compress) {
    z_stream zs{};
    // 16 + MAX_WBITS: gzip wrapper, not zlib's.
    const int rc = compress
                       ? deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY)
                       : inflateInit2(&zs, 16 + MAX_WBITS);
    if (rc != Z_OK)
        return {};
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    std::string out;
    std::array<char, 16384> buf{};
    int r = Z_OK;
    do {
        zs.next_out = reinterpret_cast<Bytef*>(buf.data());
        zs.avail_out = static_cast<uInt>(buf.size());
        r = compress ? deflate(&zs, Z_FINISH) : inflate(&zs, Z_NO_FLUSH);
        out.append(buf.data(), buf.size() - zs.avail_out);
    } while (r == Z_OK || (r == Z_BUF_ERROR && zs.avail_out == 0));
    compress ? deflateEnd(&zs) : inflateEnd(&zs);
    return r == Z_STREAM_END ? out : std::string{};
}

std::string gzip_compress(std::string_view in) {
    return zlib_run(in, true);
}
std::string gzip_decompress(std::string_view in) {
    return zlib_run(in, false);
}

std::string brotli_compress(std::string_view in) {
    std::string out(BrotliEncoderMaxCompressedSize(in.size()) + 16, '\0');
    std::size_t size = out.size();
    if (!BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT,
                               in.size(), reinterpret_cast<const std::uint8_t*>(in.data()), &size,
                               reinterpret_cast<std::uint8_t*>(out.data())))
        return {};
    out.resize(size);
    return out;
}

std::string brotli_decompress(std::string_view in) {
    BrotliDecoderState* st = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    if (st == nullptr)
        return {};
    std::string out;
    std::size_t avail_in = in.size();
    auto next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    BrotliDecoderResult r = BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT;
    std::array<std::uint8_t, 16384> buf{};
    while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
        std::size_t avail_out = buf.size();
        std::uint8_t* next_out = buf.data();
        r = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, nullptr);
        out.append(reinterpret_cast<const char*>(buf.data()), buf.size() - avail_out);
    }
    BrotliDecoderDestroyInstance(st);
    return r == BROTLI_DECODER_RESULT_SUCCESS ? out : std::string{};
}

} // namespace geogate::test
