// The request headers geogate negotiates on, on arbitrary bytes: Accept-Language (which notice
// language a reader gets) and Accept-Encoding / Content-Encoding (whether and how a page is
// re-compressed). Never crash, always an answer geogate can serve:
// - choose_language returns an index into the catalogue's languages (or the default);
// - a language named exactly, alone, with no weight, is the one chosen;
// - choose_response_encoding answers br, gzip or identity only (never a coding we cannot make);
// - the answers do not depend on anything but the bytes (same input, same answer).
#include "proxy/html/content_coding.hpp"
#include "rules/notices/language_choice.hpp"
#include "tests/fuzz/invariant.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what, std::string_view in) {
    geogate::fuzz::invariant_broken(what, "input", in);
}

const std::array<std::string, 5> languages{"ru", "uk", "en", "pt-br", "sr-latn"};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace geogate;
    if (size == 0)
        return 0;
    // First byte: the catalogue's default language; the rest: the header value.
    const std::size_t default_index = data[0] % languages.size();
    const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

    const auto chosen = notices::choose_language(in, languages, default_index);
    if (chosen >= languages.size())
        fail("choose_language: index outside the catalogue", in);
    if (chosen != notices::choose_language(in, languages, default_index))
        fail("choose_language: not deterministic", in);
    for (std::size_t i = 0; i < languages.size(); ++i)
        if (in == languages[i] && chosen != i)
            fail("choose_language: the only language named is not chosen", in);

    const auto enc = html::choose_response_encoding(in);
    if (enc != html::coding::br && enc != html::coding::gzip && enc != html::coding::identity)
        fail("choose_response_encoding: a coding geogate cannot produce", in);
    if (enc != html::choose_response_encoding(in))
        fail("choose_response_encoding: not deterministic", in);
    if (in.empty() && enc != html::coding::identity)
        fail("choose_response_encoding: no header must mean identity", in);

    const auto got = html::parse_content_encoding(in);
    if (html::to_string(got).empty())
        fail("parse_content_encoding: unnamed coding", in);
    return 0;
}
