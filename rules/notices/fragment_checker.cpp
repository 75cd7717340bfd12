#include "rules/notices/fragment_checker.hpp"

#include "common/http_text.hpp"
#include "rules/notices/utf8.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

namespace geogate::notices {
namespace {

enum element_kind { phrasing, flow, list, list_item, void_element };

struct element_info {
    std::string_view name;
    element_kind kind;
};

constexpr std::array<element_info, 24> elements{{
    {"a", phrasing},    {"abbr", phrasing},  {"b", phrasing},    {"br", void_element},
    {"cite", phrasing}, {"div", flow},       {"em", phrasing},   {"h2", flow},
    {"h3", flow},       {"h4", flow},        {"i", phrasing},    {"li", list_item},
    {"mark", phrasing}, {"ol", list},        {"p", flow},        {"q", phrasing},
    {"s", phrasing},    {"small", phrasing}, {"span", phrasing}, {"strong", phrasing},
    {"sub", phrasing},  {"sup", phrasing},   {"u", phrasing},    {"ul", list},
}};

const element_info* find_element(std::string_view name) noexcept {
    for (const auto& e : elements)
        if (e.name == name)
            return &e;
    return nullptr;
}

// Elements that would only hold phrasing content in a browser's tree (others are auto-closed).
bool holds_phrasing_only(std::string_view name) noexcept {
    const element_info* e = find_element(name);
    return e && (e->kind == phrasing || name == "p" || name[0] == 'h');
}

bool attribute_allowed(std::string_view element, std::string_view attr) noexcept {
    for (std::string_view a : {"class", "title", "lang", "dir"})
        if (attr == a)
            return true;
    if (element == "a")
        for (std::string_view a : {"href", "hreflang", "rel", "target"})
            if (attr == a)
                return true;
    if (element == "ol")
        return attr == "start" || attr == "reversed";
    return false;
}

bool is_name_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

class checker {
public:
    checker(std::string_view text, std::string_view file, diagnostics& out)
        : text_(text), file_(file), out_(out) {}

    bool run() {
        if (text_.size() > max_fragment_bytes) {
            fail(0, "notice text is " + std::to_string(text_.size()) + " bytes, at most " +
                        std::to_string(max_fragment_bytes) + " allowed");
            return false;
        }
        if (auto bad = find_invalid_utf8(text_); bad != std::string_view::npos) {
            fail(bad, "invalid UTF-8 (save the file as UTF-8)");
            return false;
        }
        std::size_t i = 0;
        if (text_.substr(0, 3) == "\xEF\xBB\xBF")
            i = 3; // a byte order mark from an editor: harmless, not served specially
        while (i < text_.size() && errors_ < 20) {
            char c = text_[i];
            if (c == '<') {
                i = tag(i);
            } else if (c == '&') {
                i = reference(i);
            } else {
                auto uc = static_cast<unsigned char>(c);
                if ((uc < 0x20 && !is_ascii_ws(c)) || uc == 0x7F)
                    fail(i, "control character " + std::to_string(uc) + " in text");
                else if (!is_ascii_ws(c))
                    visible_ = true;
                ++i;
            }
        }
        if (errors_ == 0 && !stack_.empty())
            fail(text_.size(), "<" + stack_.back().name + "> opened at " +
                                   position_text(stack_.back().at) + " is never closed");
        if (errors_ == 0 && !visible_)
            fail(0, "notice text has no visible text");
        return errors_ == 0;
    }

private:
    struct open_element {
        std::string name;
        std::size_t at;
    };

    source_position position(std::size_t offset) const {
        source_position p{1, 1};
        for (std::size_t i = 0; i < offset && i < text_.size(); ++i) {
            if (text_[i] == '\n') {
                ++p.line;
                p.column = 1;
            } else if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) {
                ++p.column; // columns count characters, not bytes
            }
        }
        return p;
    }
    std::string position_text(std::size_t offset) const {
        auto p = position(offset);
        return std::to_string(p.line) + ":" + std::to_string(p.column);
    }

    void fail(std::size_t offset, std::string message) {
        ++errors_;
        diagnostic d;
        d.file = std::string(file_);
        d.where = position(offset);
        d.message = std::move(message);
        out_.push_back(std::move(d));
    }

    std::size_t reference(std::size_t i) {
        std::size_t j = i + 1;
        if (j >= text_.size() || is_ascii_ws(text_[j]))
            return j; // a bare '&' before white space is plain text in HTML
        if (text_[j] == '#') {
            ++j;
            bool hex = j < text_.size() && (text_[j] == 'x' || text_[j] == 'X');
            if (hex)
                ++j;
            std::size_t start = j;
            while (j < text_.size() && j - start < 8 &&
                   (std::isdigit(static_cast<unsigned char>(text_[j])) ||
                    (hex && std::isxdigit(static_cast<unsigned char>(text_[j])))))
                ++j;
            if (j == start || j >= text_.size() || text_[j] != ';') {
                fail(i, "malformed character reference (write &amp; for a literal '&')");
                return j;
            }
            return j + 1;
        }
        std::size_t start = j;
        while (j < text_.size() && j - start < 32 &&
               std::isalnum(static_cast<unsigned char>(text_[j])))
            ++j;
        if (j == start || j >= text_.size() || text_[j] != ';') {
            fail(i, "malformed character reference (write &amp; for a literal '&')");
            return j;
        }
        visible_ = true;
        return j + 1;
    }

    std::size_t tag(std::size_t i) {
        std::size_t j = i + 1;
        if (j < text_.size() && (text_[j] == '!' || text_[j] == '?')) {
            fail(i, "comments, doctypes, CDATA and processing instructions are not allowed in "
                    "a notice text");
            std::size_t end = text_.find('>', j);
            return end == std::string_view::npos ? text_.size() : end + 1;
        }
        bool closing = j < text_.size() && text_[j] == '/';
        if (closing)
            ++j;
        std::size_t name_start = j;
        while (j < text_.size() && is_name_char(text_[j]))
            ++j;
        if (j == name_start || !std::isalpha(static_cast<unsigned char>(text_[name_start]))) {
            fail(i, "'<' that does not start a tag (write &lt; for a literal '<')");
            return i + 1;
        }
        std::string name = ascii_lowered(text_.substr(name_start, j - name_start));
        const element_info* info = find_element(name);
        if (!info) {
            fail(i, "element <" + name + "> is not allowed in a notice text" + why_not(name));
            std::size_t end = text_.find('>', j);
            return end == std::string_view::npos ? text_.size() : end + 1;
        }
        // Attributes.
        bool self_closing = false;
        std::vector<std::string> seen;
        for (;;) {
            while (j < text_.size() && is_ascii_ws(text_[j]))
                ++j;
            if (j >= text_.size()) {
                fail(i, "tag <" + name + "> is not closed with '>'");
                return j;
            }
            if (text_[j] == '>') {
                ++j;
                break;
            }
            if (text_[j] == '/' && j + 1 < text_.size() && text_[j + 1] == '>') {
                self_closing = true;
                j += 2;
                break;
            }
            if (closing) {
                fail(j, "closing tag </" + name + "> has attributes");
                std::size_t end = text_.find('>', j);
                return end == std::string_view::npos ? text_.size() : end + 1;
            }
            std::size_t attr_start = j;
            while (j < text_.size() && !is_ascii_ws(text_[j]) && text_[j] != '=' &&
                   text_[j] != '>' && text_[j] != '/' && text_[j] != '"' && text_[j] != '\'')
                ++j;
            if (j == attr_start) {
                fail(j, "unexpected character in tag <" + name + ">");
                std::size_t end = text_.find('>', j);
                return end == std::string_view::npos ? text_.size() : end + 1;
            }
            std::string attr = ascii_lowered(text_.substr(attr_start, j - attr_start));
            std::string value;
            std::size_t value_at = j;
            while (j < text_.size() && is_ascii_ws(text_[j]))
                ++j;
            if (j < text_.size() && text_[j] == '=') {
                ++j;
                while (j < text_.size() && is_ascii_ws(text_[j]))
                    ++j;
                value_at = j;
                if (j < text_.size() && (text_[j] == '"' || text_[j] == '\'')) {
                    char quote = text_[j];
                    std::size_t end = text_.find(quote, j + 1);
                    if (end == std::string_view::npos) {
                        fail(j, "attribute value is never closed with " + std::string(1, quote));
                        return text_.size();
                    }
                    value = std::string(text_.substr(j + 1, end - j - 1));
                    j = end + 1;
                } else {
                    std::size_t start = j;
                    while (j < text_.size() && !is_ascii_ws(text_[j]) && text_[j] != '>')
                        ++j;
                    value = std::string(text_.substr(start, j - start));
                    if (value.find_first_of("\"'<=`") != std::string::npos)
                        fail(start, "unquoted attribute value with \" ' < = or `: quote it");
                }
            }
            if (std::find(seen.begin(), seen.end(), attr) != seen.end())
                fail(attr_start, "attribute " + attr + " appears twice");
            seen.push_back(attr);
            check_attribute(name, attr, value, attr_start, value_at);
        }
        if (closing)
            close(name, i);
        else if (info->kind == void_element)
            ; // <br> and <br/> alike
        else if (self_closing)
            fail(i, "<" + name + "/> is not an empty element in HTML: write <" + name + "></" +
                        name + ">");
        else
            open(name, *info, i);
        return j;
    }

    static std::string why_not(std::string_view name) {
        if (name == "script")
            return " (no scripts: the notice must work under any Content-Security-Policy)";
        if (name == "style")
            return " (geogate adds the notice's own style; write no style in the text)";
        for (std::string_view n : {"img", "iframe", "link", "object", "embed", "video", "audio",
                                   "source", "picture", "svg", "math", "frame", "base", "meta"})
            if (name == n)
                return " (no external resources or embedded content)";
        if (name == "h1")
            return " (use h2-h4: the page has its own h1)";
        return "";
    }

    void check_attribute(std::string_view element, const std::string& attr,
                         const std::string& value, std::size_t at, std::size_t value_at) {
        if (attr.size() > 2 && attr[0] == 'o' && attr[1] == 'n') {
            fail(at, "event handler attribute " + attr + " is not allowed (no scripts)");
            return;
        }
        if (attr == "style") {
            fail(at, "style attribute is not allowed (a page's Content-Security-Policy would "
                     "block it; geogate styles the notice)");
            return;
        }
        if (attr == "src" || attr == "srcset" || attr == "poster" || attr == "background" ||
            attr == "data" || attr == "action" || attr == "formaction") {
            fail(at, "attribute " + attr + " is not allowed (no external resources)");
            return;
        }
        if (!attribute_allowed(element, attr)) {
            fail(at, "attribute " + attr + " is not allowed on <" + std::string(element) + ">");
            return;
        }
        if (attr == "href") {
            std::string v = ascii_lowered(value);
            if (v.rfind("https://", 0) != 0 || v.size() <= 8 ||
                v.find_first_of(" \t\n\r") != std::string::npos)
                fail(value_at,
                     "link target must be an absolute https:// URL, found \"" + value + "\"");
        }
        if (attr == "dir" && ascii_lowered(value) != "ltr" && ascii_lowered(value) != "rtl")
            fail(value_at, "dir must be \"ltr\" or \"rtl\", found \"" + value +
                               "\" (the notice's style fixes each direction; \"auto\" would "
                               "depend on the text and could take the page's)");
        if (value.find('<') != std::string::npos)
            fail(value_at, "'<' inside an attribute value (write &lt;)");
    }

    void open(const std::string& name, const element_info& info, std::size_t at) {
        const std::string parent = stack_.empty() ? std::string() : stack_.back().name;
        if (stack_.size() >= 32) {
            fail(at, "elements nested more than 32 deep");
            return;
        }
        if (info.kind == list_item && parent != "ul" && parent != "ol")
            fail(at, "<li> outside <ul> or <ol>");
        if (info.kind != list_item && (parent == "ul" || parent == "ol"))
            fail(at, "<" + name + "> directly inside <" + parent + ">: wrap it in <li>");
        if (info.kind != phrasing && !parent.empty() && holds_phrasing_only(parent))
            fail(at, "<" + name + "> inside <" + parent + ">: a browser would close <" + parent +
                         "> first, so the text would not render as written");
        if (name == "a")
            for (const auto& e : stack_)
                if (e.name == "a")
                    fail(at, "link inside a link");
        stack_.push_back({name, at});
    }

    void close(const std::string& name, std::size_t at) {
        if (find_element(name)->kind == void_element) {
            fail(at, "</" + name + "> closes an empty element");
            return;
        }
        if (stack_.empty()) {
            fail(at, "</" + name + "> closes nothing");
            return;
        }
        if (stack_.back().name != name) {
            fail(at, "</" + name + "> where </" + stack_.back().name + "> (opened at " +
                         position_text(stack_.back().at) + ") was expected");
            return;
        }
        stack_.pop_back();
    }

    std::string_view text_;
    std::string_view file_;
    diagnostics& out_;
    std::vector<open_element> stack_;
    int errors_ = 0;
    bool visible_ = false;
};

} // namespace

bool check_fragment(std::string_view text, std::string_view file, diagnostics& out) {
    return checker(text, file, out).run();
}

} // namespace geogate::notices
