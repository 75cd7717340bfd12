#include "proxy/html/content_coding.hpp"

#include "common/http_text.hpp"

#include <algorithm>
#include <brotli/decode.h>
#include <brotli/encode.h>
#include <zlib.h>

namespace geogate::html {

std::string_view to_string(coding c) noexcept {
    switch (c) {
    case coding::identity:
        return "identity";
    case coding::gzip:
        return "gzip";
    case coding::deflate:
        return "deflate";
    case coding::br:
        return "br";
    case coding::unsupported:
        break;
    }
    return "unsupported";
}

coding parse_content_encoding(std::string_view header) noexcept {
    coding found = coding::identity;
    int count = 0;
    while (!header.empty()) {
        const auto comma = header.find(',');
        const auto token = trim_ows(header.substr(0, comma));
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        if (token.empty() || iequals(token, "identity"))
            continue;
        ++count;
        if (iequals(token, "gzip") || iequals(token, "x-gzip"))
            found = coding::gzip;
        else if (iequals(token, "deflate"))
            found = coding::deflate;
        else if (iequals(token, "br"))
            found = coding::br;
        else
            return coding::unsupported;
    }
    return count > 1 ? coding::unsupported : found;
}

bool names_html(std::string_view accept) noexcept {
    bool html = false;
    for_each_weighted(accept, [&](std::string_view name, int q) {
        html = q > 0 && (iequals(name, "text/html") || iequals(name, "application/xhtml+xml"));
        return !html;
    });
    return html;
}

coding choose_origin_coding(coding reader, std::string_view accept) noexcept {
    return names_html(accept) ? coding::identity : reader;
}

coding choose_response_encoding(std::string_view accept) noexcept {
    int br = -1, gzip = -1, identity = -1, star = -1;
    for_each_weighted(accept, [&](std::string_view name, int q) {
        if (iequals(name, "br"))
            br = q;
        else if (iequals(name, "gzip") || iequals(name, "x-gzip"))
            gzip = std::max(gzip, q);
        else if (iequals(name, "identity"))
            identity = q;
        else if (name == "*")
            star = q;
        return true;
    });
    if (br < 0)
        br = star < 0 ? 0 : star;
    if (gzip < 0)
        gzip = star < 0 ? 0 : star;
    // identity not named: acceptable (least preferred) unless "*;q=0"
    if (identity < 0)
        identity = star == 0 ? 0 : 1;
    if (br > 0 && br >= gzip && br >= identity)
        return coding::br;
    if (gzip > 0 && gzip >= identity)
        return coding::gzip;
    return coding::identity;
}

// ---------------------------------------------------------------------------------------

struct body_decoder::impl {
    z_stream zs{};
    bool z_ready = false;
    BrotliDecoderState* br = nullptr;
    bool seen_input = false;
    ~impl() {
        if (z_ready)
            inflateEnd(&zs);
        if (br)
            BrotliDecoderDestroyInstance(br);
    }
};

body_decoder::body_decoder(coding c, std::size_t max_decoded) noexcept
    : impl_(new (std::nothrow) impl), coding_(c), max_decoded_(max_decoded) {
    if (!impl_) {
        failed_ = true;
        return;
    }
    if (c == coding::gzip) {
        impl_->z_ready = inflateInit2(&impl_->zs, 16 + MAX_WBITS) == Z_OK;
        failed_ = !impl_->z_ready;
    } else if (c == coding::br) {
        impl_->br = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
        failed_ = impl_->br == nullptr;
    } else if (c != coding::deflate && c != coding::identity) {
        failed_ = true;
    }
}

body_decoder::~body_decoder() = default;

codec_status body_decoder::decode(std::string_view& in, std::string& out,
                                  std::size_t max_out) noexcept {
    if (failed_)
        return codec_status::error;
    if (max_out == 0)
        return codec_status::output_full;
    if (!in.empty())
        impl_->seen_input = true;
    const std::size_t start = out.size();
    if (coding_ == coding::identity) {
        const std::size_t n = std::min(in.size(), max_out);
        if (total_out_ + n > max_decoded_) {
            failed_ = true;
            return codec_status::too_large;
        }
        out.append(in.data(), n);
        in.remove_prefix(n);
        total_out_ += n;
        return in.empty() ? codec_status::need_input : codec_status::output_full;
    }
    try {
        if (coding_ == coding::br) {
            out.resize(start + max_out);
            std::size_t avail_in = in.size();
            auto next_in = reinterpret_cast<const std::uint8_t*>(in.data());
            std::size_t avail_out = max_out;
            auto next_out = reinterpret_cast<std::uint8_t*>(out.data() + start);
            const auto r = BrotliDecoderDecompressStream(impl_->br, &avail_in, &next_in, &avail_out,
                                                         &next_out, nullptr);
            in.remove_prefix(in.size() - avail_in);
            out.resize(start + (max_out - avail_out));
            total_out_ += max_out - avail_out;
            if (total_out_ > max_decoded_) {
                failed_ = true;
                return codec_status::too_large;
            }
            switch (r) {
            case BROTLI_DECODER_RESULT_SUCCESS:
                ended_ = true;
                in = {};
                return codec_status::finished;
            case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
                return codec_status::need_input;
            case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
                return codec_status::output_full;
            default:
                failed_ = true;
                return codec_status::error;
            }
        }
        // gzip / deflate
        z_stream& zs = impl_->zs;
        if (!impl_->z_ready) {
            if (in.empty())
                return codec_status::need_input;
            // RFC 9110 deflate is zlib-wrapped; some servers send raw deflate
            const auto b0 = static_cast<unsigned char>(in[0]);
            const bool zlib = (b0 & 0x0f) == 8 && (b0 >> 4) <= 7;
            if (inflateInit2(&zs, zlib ? MAX_WBITS : -MAX_WBITS) != Z_OK) {
                failed_ = true;
                return codec_status::error;
            }
            impl_->z_ready = true;
        }
        out.resize(start + max_out);
        std::size_t produced = 0;
        for (;;) {
            if (ended_) {
                // a further gzip member starts with 0x1f; anything else is ignored
                if (coding_ == coding::gzip && !in.empty() &&
                    static_cast<unsigned char>(in[0]) == 0x1f) {
                    inflateReset(&zs);
                    ended_ = false;
                } else {
                    in = {};
                    out.resize(start + produced);
                    return codec_status::finished;
                }
            }
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
            zs.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), 1u << 30));
            zs.next_out = reinterpret_cast<Bytef*>(out.data() + start + produced);
            zs.avail_out = static_cast<uInt>(max_out - produced);
            const uInt before_in = zs.avail_in;
            const uInt before_out = zs.avail_out;
            const int r = inflate(&zs, Z_NO_FLUSH);
            in.remove_prefix(before_in - zs.avail_in);
            const std::size_t got = before_out - zs.avail_out;
            produced += got;
            total_out_ += got;
            if (total_out_ > max_decoded_) {
                failed_ = true;
                out.resize(start + produced);
                return codec_status::too_large;
            }
            if (r == Z_STREAM_END) {
                ended_ = true;
                continue;
            }
            if (r != Z_OK && r != Z_BUF_ERROR) {
                failed_ = true;
                out.resize(start + produced);
                return codec_status::error;
            }
            if (produced == max_out) {
                out.resize(start + produced);
                return codec_status::output_full;
            }
            if (in.empty() || (before_in == zs.avail_in && got == 0)) {
                out.resize(start + produced);
                return codec_status::need_input;
            }
        }
    } catch (...) { // std::bad_alloc from resize
        failed_ = true;
        out.resize(start);
        return codec_status::error;
    }
}

codec_status body_decoder::finish() noexcept {
    if (failed_)
        return codec_status::error;
    if (coding_ == coding::identity || ended_ || !impl_->seen_input)
        return codec_status::finished;
    failed_ = true;
    return codec_status::error;
}

// ---------------------------------------------------------------------------------------

struct body_encoder::impl {
    z_stream zs{};
    bool z_ready = false;
    BrotliEncoderState* br = nullptr;
    ~impl() {
        if (z_ready)
            deflateEnd(&zs);
        if (br)
            BrotliEncoderDestroyInstance(br);
    }
};

body_encoder::body_encoder(coding c, compression_levels levels) noexcept
    : impl_(new (std::nothrow) impl), coding_(c) {
    if (!impl_) {
        failed_ = true;
        return;
    }
    if (c == coding::gzip || c == coding::deflate) {
        impl_->z_ready = deflateInit2(&impl_->zs, levels.gzip, Z_DEFLATED,
                                      c == coding::gzip ? 16 + MAX_WBITS : MAX_WBITS, 8,
                                      Z_DEFAULT_STRATEGY) == Z_OK;
        failed_ = !impl_->z_ready;
    } else if (c == coding::br) {
        impl_->br = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
        failed_ = impl_->br == nullptr;
        if (!failed_) {
            BrotliEncoderSetParameter(impl_->br, BROTLI_PARAM_QUALITY,
                                      static_cast<std::uint32_t>(levels.brotli));
            BrotliEncoderSetParameter(impl_->br, BROTLI_PARAM_LGWIN, 20);
            BrotliEncoderSetParameter(impl_->br, BROTLI_PARAM_MODE, BROTLI_MODE_TEXT);
        }
    } else if (c != coding::identity) {
        failed_ = true;
    }
}

body_encoder::~body_encoder() = default;

namespace {

codec_status zlib_run(z_stream& zs, std::string_view in, std::string& out, int flush) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    for (;;) {
        const std::size_t start = out.size();
        // deflateBound of what is left to read says nothing of what deflate still holds: a
        // flush or the end with little input left would otherwise drain a whole block in
        // ~80-byte calls (twice the CPU of the compression itself on a 60 KB page).
        const std::size_t room =
            std::max<std::size_t>(deflateBound(&zs, zs.avail_in) + 64, 16 * 1024);
        out.resize(start + room);
        zs.next_out = reinterpret_cast<Bytef*>(out.data() + start);
        zs.avail_out = static_cast<uInt>(room);
        const int r = deflate(&zs, flush);
        out.resize(start + (room - zs.avail_out));
        if (r == Z_STREAM_END)
            return codec_status::finished;
        if (r != Z_OK && r != Z_BUF_ERROR)
            return codec_status::error;
        if (zs.avail_in == 0 && zs.avail_out != 0 && flush != Z_FINISH)
            return codec_status::need_input;
    }
}

codec_status brotli_run(BrotliEncoderState* br, std::string_view in, std::string& out,
                        BrotliEncoderOperation op) {
    std::size_t avail_in = in.size();
    auto next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    for (;;) {
        std::size_t avail_out = 0;
        if (!BrotliEncoderCompressStream(br, op, &avail_in, &next_in, &avail_out, nullptr, nullptr))
            return codec_status::error;
        std::size_t n = 0;
        const std::uint8_t* p = BrotliEncoderTakeOutput(br, &n);
        out.append(reinterpret_cast<const char*>(p), n);
        if (avail_in == 0 && !BrotliEncoderHasMoreOutput(br)) {
            if (op == BROTLI_OPERATION_FINISH)
                return BrotliEncoderIsFinished(br) ? codec_status::finished : codec_status::error;
            return codec_status::need_input;
        }
    }
}

} // namespace

codec_status body_encoder::encode(std::string_view in, std::string& out, bool flush) noexcept {
    if (failed_)
        return codec_status::error;
    try {
        codec_status s = codec_status::need_input;
        if (coding_ == coding::identity)
            out.append(in);
        else if (coding_ == coding::br)
            s = brotli_run(impl_->br, in, out,
                           flush ? BROTLI_OPERATION_FLUSH : BROTLI_OPERATION_PROCESS);
        else
            s = zlib_run(impl_->zs, in, out, flush ? Z_SYNC_FLUSH : Z_NO_FLUSH);
        failed_ = s == codec_status::error;
        return s;
    } catch (...) {
        failed_ = true;
        return codec_status::error;
    }
}

codec_status body_encoder::finish(std::string& out) noexcept {
    if (failed_)
        return codec_status::error;
    try {
        codec_status s = codec_status::finished;
        if (coding_ == coding::br)
            s = brotli_run(impl_->br, {}, out, BROTLI_OPERATION_FINISH);
        else if (coding_ != coding::identity)
            s = zlib_run(impl_->zs, {}, out, Z_FINISH);
        failed_ = s == codec_status::error;
        return s;
    } catch (...) {
        failed_ = true;
        return codec_status::error;
    }
}

} // namespace geogate::html
