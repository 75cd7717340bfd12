#pragma once
// PURE rewriting of one `<meta http-equiv="Content-Security-Policy" content="...">` start tag
// so that the notice's inline <style> renders under the policy it delivers (browsers enforce
// a meta policy in <head> on top of the header's). The injector hands over each real <meta>
// start tag it meets before the notice's insertion point, whole, from '<' to its '>'.
//
// The tag is read the way the HTML tokenizer reads it: attribute names ASCII case-insensitive,
// values double-quoted, single-quoted or unquoted, any order, the first of duplicate
// attributes wins. http-equiv must be an ASCII case-insensitive match for
// "content-security-policy" once character references are resolved (no trimming);
// "content-security-policy-report-only" is not enforced from a meta tag and is left alone. The
// content attribute's value, references resolved, is amended by amend_meta_csp_for_style
// (proxy/html/csp.hpp: the header's logic). Only that value changes in the output: it is
// written double-quoted with '&' '"' and CR as references; every other byte of the tag stays.
//
// Character references are resolved exactly as in an attribute value (numeric ones, the named
// ones whose value is ASCII, the legacy ones without ';' and the "not before '=' or an
// alphanumeric" rule), and raw CR / CR LF read as LF as the input stream preprocessor does. A
// value holding a reference this decoder does not resolve exactly (a named reference outside
// that set, or one to a non-ASCII code point: never part of a valid policy) or a NUL is left
// untouched: `undecodable`, counted by the caller.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace geogate::html {

enum class meta_csp_result : std::uint8_t {
    not_csp,     // not an enforced CSP meta tag (or no content attribute): untouched
    unchanged,   // its policy already allows our <style>: untouched
    amended,     // `out` holds the rewritten tag
    undecodable, // its content holds a reference not resolved exactly: untouched
};

/// `tag`: a whole start tag, from '<' to its closing '>'. `hash_source`: our style's
/// "'sha256-...'"; `style_nonce`: the nonce our <style> carries ("" none). On `amended`, `out`
/// is the new tag; otherwise `out` is unspecified.
meta_csp_result rewrite_meta_csp(std::string_view tag, std::string_view hash_source,
                                 std::string_view style_nonce, std::string& out);

/// Cheap test the injector runs first: false when the tag cannot have an http-equiv attribute
/// (no "-equiv" in it, ASCII case-insensitive).
bool may_be_http_equiv(std::string_view tag) noexcept;

/// The raw value (quotes excluded, references unresolved) of the first attribute named
/// `lower_name` in start tag `tag`; nullopt when absent. An attribute without a value is "".
std::optional<std::string_view> raw_attribute(std::string_view tag, std::string_view lower_name);

/// An attribute value as the browser sees it; nullopt when it holds a reference this decoder
/// does not resolve exactly, or a NUL (see above).
std::optional<std::string> decode_attribute_value(std::string_view raw);

/// `value` escaped for a double-quoted attribute: '&' -> &amp;, '"' -> &quot;, CR -> &#13;.
std::string escape_attribute_value(std::string_view value);

} // namespace geogate::html
