#include "proxy/html/charset.hpp"

#include "common/http_text.hpp"

#include <algorithm>

namespace geogate::html {

namespace {

constexpr std::size_t prescan_limit = 1024;

constexpr bool is_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The "charset=" in a meta content attribute (HTML "extracting a character encoding from a
// meta element").
std::string charset_in_content(std::string_view s) {
    std::size_t i = 0;
    for (;;) {
        std::size_t found = std::string_view::npos;
        for (std::size_t k = i; k + 7 <= s.size(); ++k)
            if (istarts_with(s.substr(k), "charset")) {
                found = k;
                break;
            }
        if (found == std::string_view::npos)
            return {};
        i = found + 7;
        while (i < s.size() && is_ascii_ws(s[i]))
            ++i;
        if (i >= s.size() || s[i] != '=')
            continue;
        ++i;
        while (i < s.size() && is_ascii_ws(s[i]))
            ++i;
        if (i >= s.size())
            return {};
        if (s[i] == '"' || s[i] == '\'') {
            const auto close = s.find(s[i], i + 1);
            if (close == std::string_view::npos)
                return {};
            return ascii_lowered(trim_ascii_ws(s.substr(i + 1, close - i - 1)));
        }
        std::size_t e = i;
        while (e < s.size() && !is_ascii_ws(s[e]) && s[e] != ';')
            ++e;
        return ascii_lowered(s.substr(i, e - i));
    }
}

struct attr {
    std::string name;
    std::string_view value;
};

// HTML "get an attribute"; false when the tag ends ('>') or the input is cut (`cut` set).
bool get_attr(std::string_view s, std::size_t& i, attr& a, bool& cut) {
    while (i < s.size() && (is_ascii_ws(s[i]) || s[i] == '/'))
        ++i;
    if (i >= s.size()) {
        cut = true;
        return false;
    }
    if (s[i] == '>') {
        ++i;
        return false;
    }
    a.name.clear();
    a.value = {};
    a.name += ascii_lower(s[i++]); // even '=' starts a name here
    while (i < s.size() && !is_ascii_ws(s[i]) && s[i] != '/' && s[i] != '>' && s[i] != '=')
        a.name += ascii_lower(s[i++]);
    while (i < s.size() && is_ascii_ws(s[i]))
        ++i;
    if (i >= s.size()) {
        cut = true;
        return false;
    }
    if (s[i] != '=')
        return true;
    ++i;
    while (i < s.size() && is_ascii_ws(s[i]))
        ++i;
    if (i >= s.size()) {
        cut = true;
        return false;
    }
    if (s[i] == '"' || s[i] == '\'') {
        const auto close = s.find(s[i], i + 1);
        if (close == std::string_view::npos) {
            cut = true;
            return false;
        }
        a.value = s.substr(i + 1, close - i - 1);
        i = close + 1;
        return true;
    }
    const std::size_t b = i;
    while (i < s.size() && !is_ascii_ws(s[i]) && s[i] != '>')
        ++i;
    if (i >= s.size()) {
        cut = true;
        return false;
    }
    a.value = s.substr(b, i - b);
    return true;
}

// the spec's label fix-ups for a meta-declared charset
std::string fix_meta_label(std::string label) {
    if (label.rfind("utf-16", 0) == 0)
        return "utf-8";
    if (label == "x-user-defined")
        return "windows-1252";
    return label;
}

} // namespace

std::string charset_from_content_type(std::string_view ct) {
    auto semi = ct.find(';');
    while (semi != std::string_view::npos) {
        ct.remove_prefix(semi + 1);
        const auto eq = ct.find('=');
        if (eq == std::string_view::npos)
            return {};
        const auto name = trim_ascii_ws(ct.substr(0, eq));
        auto rest = ct.substr(eq + 1);
        while (!rest.empty() && is_ascii_ws(rest.front()))
            rest.remove_prefix(1);
        std::string value;
        std::size_t used = 0;
        if (!rest.empty() && rest.front() == '"') {
            std::size_t k = 1;
            for (; k < rest.size() && rest[k] != '"'; ++k) {
                if (rest[k] == '\\' && k + 1 < rest.size())
                    ++k;
                value += rest[k];
            }
            used = std::min(k + 1, rest.size());
        } else {
            used = std::min(rest.find(';'), rest.size());
            value = std::string(trim_ascii_ws(rest.substr(0, used)));
        }
        if (ascii_lowered(name) == "charset")
            return ascii_lowered(trim_ascii_ws(value));
        ct = rest.substr(used);
        semi = ct.find(';');
    }
    return {};
}

bool is_utf8(std::string_view label) noexcept {
    static constexpr std::string_view labels[] = {
        "utf-8", "utf8", "unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "x-unicode20utf8"};
    label = trim_ascii_ws(label);
    return std::any_of(std::begin(labels), std::end(labels),
                       [&](std::string_view l) { return iequals(label, l); });
}

std::string prescan_meta_charset(std::string_view s, bool& complete) {
    const bool full = s.size() >= prescan_limit;
    s = s.substr(0, prescan_limit);
    complete = true;
    auto incomplete = [&]() -> std::string {
        complete = full;
        return {};
    };
    std::size_t i = 0;
    while (i < s.size()) {
        if (s[i] != '<') {
            const auto lt = s.find('<', i);
            if (lt == std::string_view::npos)
                break;
            i = lt;
            continue;
        }
        if (s.size() - i < 6 && !full)
            return incomplete(); // "<meta " may still be arriving
        if (istarts_with(s.substr(i), "<!--")) {
            const auto end = s.find("-->", i + 2);
            if (end == std::string_view::npos)
                return incomplete();
            i = end + 3;
            continue;
        }
        const bool meta = istarts_with(s.substr(i), "<meta") && i + 5 < s.size() &&
                          (is_ascii_ws(s[i + 5]) || s[i + 5] == '/');
        if (meta) {
            i += 6;
            attr a;
            bool cut = false, http_equiv = false, need_pragma_known = false;
            std::string charset, from_content;
            while (get_attr(s, i, a, cut)) {
                if (a.name == "http-equiv" && ascii_lowered(a.value) == "content-type")
                    http_equiv = true;
                else if (a.name == "content" && from_content.empty())
                    from_content = charset_in_content(a.value);
                else if (a.name == "charset" && charset.empty()) {
                    charset = ascii_lowered(trim_ascii_ws(a.value));
                    need_pragma_known = true;
                }
            }
            if (cut)
                return incomplete();
            if (need_pragma_known && !charset.empty())
                return fix_meta_label(charset);
            if (http_equiv && !from_content.empty())
                return fix_meta_label(from_content);
            continue;
        }
        if (i + 1 < s.size() &&
            (is_alpha(s[i + 1]) || (s[i + 1] == '/' && i + 2 < s.size() && is_alpha(s[i + 2])))) {
            // another tag: skip its name and attributes (a quoted '>' does not end it)
            ++i;
            while (i < s.size() && !is_ascii_ws(s[i]) && s[i] != '>')
                ++i;
            attr a;
            bool cut = false;
            while (get_attr(s, i, a, cut)) {
            }
            if (cut)
                return incomplete();
            continue;
        }
        if (i + 1 < s.size() && (s[i + 1] == '!' || s[i + 1] == '/' || s[i + 1] == '?')) {
            const auto gt = s.find('>', i);
            if (gt == std::string_view::npos)
                return incomplete();
            i = gt + 1;
            continue;
        }
        if (i + 1 >= s.size())
            return incomplete();
        ++i;
    }
    complete = full;
    return {};
}

std::string to_character_references(std::string_view s) {
    std::string out;
    out.reserve(s.size() + s.size() / 2);
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) {
            out += static_cast<char>(b);
            ++i;
            continue;
        }
        std::size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
        std::uint32_t cp = len == 4 ? (b & 0x07u) : len == 3 ? (b & 0x0Fu) : (b & 0x1Fu);
        bool ok = len != 0 && b < 0xF5 && b != 0xC0 && b != 0xC1 && i + len <= s.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            ok = (c & 0xC0) == 0x80;
            cp = (cp << 6) | (c & 0x3Fu);
        }
        if (ok)
            ok = !(len == 3 && cp < 0x800) && !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) &&
                 !(cp >= 0xD800 && cp <= 0xDFFF);
        if (!ok) {
            out += "&#65533;";
            ++i;
            continue;
        }
        out += "&#" + std::to_string(cp) + ';';
        i += len;
    }
    return out;
}

charset_sniffer::charset_sniffer(std::string_view content_type)
    : header_charset_(charset_from_content_type(content_type)) {}

bool charset_sniffer::feed(std::string_view chunk) {
    if (done_)
        return true;
    head_.append(chunk.substr(0, prescan_limit - head_.size()));
    decide();
    return done_;
}

void charset_sniffer::finish() {
    if (done_)
        return;
    finishing_ = true;
    decide();
    done_ = true;
    head_.clear();
    head_.shrink_to_fit();
}

void charset_sniffer::decide() {
    // WHATWG Encoding "decode": a BOM wins over every label, the Content-Type's included.
    const std::string_view h = head_;
    if (h.size() >= 2 && (h.substr(0, 2) == "\xFE\xFF" || h.substr(0, 2) == "\xFF\xFE")) {
        charset_ = h[0] == '\xFE' ? "utf-16be" : "utf-16le";
        source_ = "bom";
        done_ = true;
    } else if (h.size() >= 3 && h.substr(0, 3) == "\xEF\xBB\xBF") {
        charset_ = "utf-8";
        source_ = "bom";
        done_ = true;
    } else if (h.size() < 3 && !finishing_ &&
               (std::string_view("\xEF\xBB\xBF").substr(0, h.size()) == h ||
                (h.size() == 1 && (h[0] == '\xFE' || h[0] == '\xFF')))) {
        return; // could still be a BOM
    } else if (!header_charset_.empty()) {
        charset_ = header_charset_;
        source_ = "content-type";
        done_ = true;
    } else {
        bool complete = false;
        auto label = prescan_meta_charset(h, complete);
        if (!label.empty()) {
            // HTML's prescan: a <meta> naming UTF-16 means UTF-8 (the bytes were ASCII).
            charset_ = is_utf16_label(label) ? std::string("utf-8") : std::move(label);
            source_ = "meta";
            done_ = true;
        } else if (complete) {
            done_ = true;
        }
    }
    if (done_) {
        head_.clear();
        head_.shrink_to_fit();
    }
}

bool is_utf16_label(std::string_view label) noexcept {
    // The WHATWG Encoding labels of UTF-16LE and UTF-16BE.
    for (std::string_view l : {"csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff",
                               "utf-16", "utf-16le", "unicodefffe", "utf-16be"})
        if (label == l)
            return true;
    return false;
}

} // namespace geogate::html
