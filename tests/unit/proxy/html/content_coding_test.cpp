// Content codings: header parsing, the reader's choice, and decode/encode round trips,
// including the failure cases a hostile or broken origin produces.
#include "proxy/html/content_coding.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <zlib.h>

using namespace geogate::html;

namespace {

std::string sample(std::size_t n) {
    std::string s;
    std::uint32_t x = 12345;
    while (s.size() < n) {
        x = x * 1664525u + 1013904223u;
        s += "<p>paragraph " + std::to_string(x % 1000) + " \xD0\xBF\xD1\x80\xD0\xB8</p>\n";
    }
    s.resize(n);
    return s;
}

std::string encode(coding c, std::string_view in, std::size_t chunk, bool flush) {
    body_encoder enc{c};
    std::string out;
    for (std::size_t i = 0; i < in.size(); i += chunk)
        REQUIRE(enc.encode(in.substr(i, chunk), out, flush) != codec_status::error);
    REQUIRE(enc.finish(out) == codec_status::finished);
    return out;
}

struct decoded {
    std::string text;
    codec_status last;
};

decoded decode(coding c, std::string_view in, std::size_t chunk, std::size_t max_out = 4096,
               std::size_t max_decoded = 64u << 20) {
    body_decoder dec{c, max_decoded};
    decoded r{{}, codec_status::need_input};
    for (std::size_t i = 0; i < in.size(); i += chunk) {
        std::string_view part = in.substr(i, chunk);
        for (;;) {
            const auto before = r.text.size();
            r.last = dec.decode(part, r.text, max_out);
            REQUIRE(r.text.size() - before <= max_out);
            if (r.last == codec_status::error || r.last == codec_status::too_large)
                return r;
            if (r.last != codec_status::output_full)
                break;
        }
    }
    r.last = dec.finish();
    return r;
}

} // namespace

TEST_CASE("Content-Encoding values map to one coding or unsupported") {
    const std::pair<const char*, coding> table[] = {
        {"", coding::identity},
        {"identity", coding::identity},
        {"gzip", coding::gzip},
        {" GZip ", coding::gzip},
        {"x-gzip", coding::gzip},
        {"deflate", coding::deflate},
        {"br", coding::br},
        {"zstd", coding::unsupported},
        {"gzip, br", coding::unsupported},
        {"gzip,gzip", coding::unsupported},
        {"compress", coding::unsupported},
        {"gzip;q=1", coding::unsupported},
        {"identity, gzip", coding::gzip},
    };
    for (auto [value, want] : table) {
        INFO(value);
        CHECK(parse_content_encoding(value) == want);
    }
}

TEST_CASE("the reader's Accept-Encoding picks br, gzip or identity by q-value") {
    const std::pair<const char*, coding> table[] = {
        {"", coding::identity},
        {"gzip, deflate, br", coding::br},
        {"gzip, deflate", coding::gzip},
        {"br;q=0, gzip", coding::gzip},
        {"br;q=0.5, gzip;q=0.8", coding::gzip},
        {"br;q=0.8, gzip;q=0.8", coding::br},
        {"*", coding::br},
        {"*;q=0.5, br;q=0", coding::gzip},
        {"gzip;q=0", coding::identity},
        {"identity", coding::identity},
        {"identity;q=1, gzip;q=0.5", coding::identity},
        {"deflate", coding::identity},
        {"gzip;q=2, br;q=x", coding::identity},
        {"GZIP ; Q = 0.9", coding::gzip},
        {"*;q=0", coding::identity},
        {";;,,q=", coding::identity},
        {"x-gzip", coding::gzip},
    };
    for (auto [value, want] : table) {
        INFO(value);
        CHECK(choose_response_encoding(value) == want);
    }
}

TEST_CASE("a navigation's Accept names HTML but subresource requests' do not") {
    // Navigations, as Chromium, Firefox and Safari send them.
    for (std::string_view accept :
         {"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
          "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
          "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
          "application/xhtml+xml", "TEXT/HTML", " text/html ; level=1 ; q=0.5"}) {
        CAPTURE(accept);
        CHECK(names_html(accept));
        CHECK(choose_origin_coding(coding::gzip, accept) == coding::identity);
    }
    // Images, styles, scripts, fetch(), curl, wrk, and HTML refused outright.
    for (std::string_view accept :
         {"image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8", "text/css,*/*;q=0.1",
          "*/*", "", "text/*", "text/html;q=0", "text/htmlx",
          "application/json, text/plain, */*"}) {
        CAPTURE(accept);
        CHECK_FALSE(names_html(accept));
        CHECK(choose_origin_coding(coding::br, accept) == coding::br);
    }
}

TEST_CASE("gzip, deflate and br round-trip whatever the chunking") {
    const auto page = sample(200000);
    for (coding c : {coding::gzip, coding::deflate, coding::br, coding::identity}) {
        for (bool flush : {false, true}) {
            const auto packed = encode(c, page, 16384, flush);
            for (std::size_t chunk : {1u, 1000u, 1u << 20}) {
                INFO(to_string(c) << " flush=" << flush << " chunk=" << chunk);
                const auto back = decode(c, packed, chunk, chunk == 1 ? 7 : 4096);
                CHECK(back.last == codec_status::finished);
                CHECK(back.text == page);
            }
        }
    }
}

TEST_CASE("a body that expands 1000 times over arrives whole in pieces of at most max_out") {
    // The notice transform asks for up to 256 KiB per upstream read: a megabyte of blanks
    // compresses to about a kilobyte, so one read's input fills several such pieces.
    const auto page = sample(300000) + std::string(1u << 20, ' ') + sample(5000);
    for (coding c : {coding::gzip, coding::deflate, coding::br}) {
        const auto packed = encode(c, page, 65536, false);
        for (std::size_t chunk : {2000u, 40000u, 1u << 22}) {
            INFO(to_string(c) << " chunk=" << chunk);
            const auto back = decode(c, packed, chunk, 256 * 1024);
            CHECK(back.last == codec_status::finished);
            CHECK(back.text == page);
        }
    }
}

TEST_CASE("a flushed chunk is decodable before the stream ends") {
    for (coding c : {coding::gzip, coding::br}) {
        body_encoder enc{c};
        std::string packed;
        enc.encode("<html><body>hello", packed, true);
        body_decoder dec{c};
        std::string_view in = packed;
        std::string text;
        while (dec.decode(in, text) == codec_status::output_full) {
        }
        CHECK(text == "<html><body>hello");
    }
}

TEST_CASE("raw deflate (no zlib header) is decoded too") {
    const auto page = sample(5000);
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
    std::string raw(deflateBound(&zs, page.size()), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(page.data()));
    zs.avail_in = static_cast<uInt>(page.size());
    zs.next_out = reinterpret_cast<Bytef*>(raw.data());
    zs.avail_out = static_cast<uInt>(raw.size());
    REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    raw.resize(raw.size() - zs.avail_out);
    deflateEnd(&zs);
    const auto back = decode(coding::deflate, raw, 100);
    CHECK(back.last == codec_status::finished);
    CHECK(back.text == page);
}

TEST_CASE("concatenated gzip members decode as one body") {
    const auto a = sample(3000), b = sample(7000);
    const auto packed = encode(coding::gzip, a, 1000, false) + encode(coding::gzip, b, 1000, false);
    for (std::size_t chunk : {1u, 333u, 100000u}) {
        const auto back = decode(coding::gzip, packed, chunk);
        CHECK(back.last == codec_status::finished);
        CHECK(back.text == a + b);
    }
}

TEST_CASE("truncated or corrupt compressed bodies are errors, never crashes") {
    const auto page = sample(50000);
    for (coding c : {coding::gzip, coding::deflate, coding::br}) {
        INFO(to_string(c));
        const auto packed = encode(c, page, 4096, false);
        CHECK(decode(c, packed.substr(0, packed.size() / 2), 512).last == codec_status::error);
        CHECK(decode(c, packed.substr(0, packed.size() - 1), 512).last == codec_status::error);
        std::string bad = packed;
        for (std::size_t i = 20; i < bad.size(); i += 97)
            bad[i] = static_cast<char>(bad[i] ^ 0x5a);
        CHECK(decode(c, bad, 512).last == codec_status::error);
        CHECK(decode(c, "this is not compressed at all", 5).last == codec_status::error);
    }
    CHECK(decode(coding::unsupported, "x", 1).last == codec_status::error);
}

TEST_CASE("decompression bombs stop at max_decoded") {
    const std::string zeros(8u << 20, '\0');
    for (coding c : {coding::gzip, coding::deflate, coding::br}) {
        INFO(to_string(c));
        const auto packed = encode(c, zeros, 1u << 20, false);
        CHECK(packed.size() < 100000);
        const auto r = decode(c, packed, 4096, 65536, 1u << 20);
        CHECK(r.last == codec_status::too_large);
        CHECK(r.text.size() <= (1u << 20) + 65536);
    }
}
