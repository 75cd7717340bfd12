#include "proxy/html/csp.hpp"

#include "common/http_text.hpp"

#include <algorithm>
#include <openssl/evp.h>
#include <optional>

namespace geogate::html {

namespace {

std::vector<std::string_view> tokens(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_ascii_ws(s[i]))
            ++i;
        const std::size_t b = i;
        while (i < s.size() && !is_ascii_ws(s[i]))
            ++i;
        if (i > b)
            out.push_back(s.substr(b, i - b));
    }
    return out;
}

struct directive {
    std::string name;
    std::size_t begin = 0, end = 0; // trimmed range inside the policy text
    std::vector<std::string_view> sources;
};

struct policy {
    std::string_view text;
    std::vector<directive> directives;
    const directive* find(std::string_view n) const {
        for (const auto& d : directives)
            if (d.name == n)
                return &d;
        return nullptr;
    }
};

policy parse_policy(std::string_view text) {
    policy p{text, {}};
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t semi = text.find(';', pos);
        if (semi == std::string_view::npos)
            semi = text.size();
        std::size_t b = pos, e = semi;
        while (b < e && is_ascii_ws(text[b]))
            ++b;
        while (e > b && is_ascii_ws(text[e - 1]))
            --e;
        pos = semi + 1;
        if (b == e)
            continue;
        auto toks = tokens(text.substr(b, e - b));
        const std::string name = ascii_lowered(toks.front());
        const bool valid = std::all_of(name.begin(), name.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        });
        if (!valid || p.find(name))
            continue;
        toks.erase(toks.begin());
        p.directives.push_back({name, b, e, std::move(toks)});
    }
    return p;
}

bool is_nonce(std::string_view s) {
    return istarts_with(s, "'nonce-") && s.size() > 8;
}
bool is_hash(std::string_view s) {
    return istarts_with(s, "'sha256-") || istarts_with(s, "'sha384-") ||
           istarts_with(s, "'sha512-");
}

const directive* governing(const policy& p) {
    for (const char* n : {"style-src-elem", "style-src", "default-src"})
        if (const auto* d = p.find(n))
            return d;
    return nullptr;
}

// true when inline <style> is blocked unless we amend
bool restricts(const directive& d) {
    bool unsafe_inline = false, nonce_or_hash = false;
    for (auto s : d.sources) {
        if (iequals(s, "'unsafe-inline'"))
            unsafe_inline = true;
        if (is_nonce(s) || is_hash(s))
            nonce_or_hash = true;
    }
    return !unsafe_inline || nonce_or_hash;
}

std::vector<std::string> nonces(const directive& d) {
    std::vector<std::string> out;
    for (auto s : d.sources)
        if (is_nonce(s) && s.back() == '\'')
            out.emplace_back(s.substr(7, s.size() - 8));
    return out;
}

std::vector<std::string_view> split_policies(std::string_view value) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    for (;;) {
        const auto comma = value.find(',', pos);
        out.push_back(
            value.substr(pos, comma == std::string_view::npos ? value.npos : comma - pos));
        if (comma == std::string_view::npos)
            return out;
        pos = comma + 1;
    }
}

std::string amend_policy(const policy& p, std::string_view hash) {
    const directive* d = governing(p);
    if (!d || !restricts(*d))
        return std::string(p.text);
    std::string out;
    if (d->name == "default-src") {
        out.assign(p.text);
        while (!out.empty() && is_ascii_ws(out.back()))
            out.pop_back();
        if (!out.empty() && out.back() != ';')
            out += ';';
        if (!out.empty())
            out += ' ';
        out += "style-src";
        // 'unsafe-inline' is inert here (the list has a nonce or hash): not copied
        for (auto s : d->sources)
            if (!iequals(s, "'none'") && !iequals(s, "'unsafe-inline'")) {
                out += ' ';
                out += s;
            }
        out += ' ';
        out += hash;
        return out;
    }
    const bool lone_none =
        d->sources.empty() || (d->sources.size() == 1 && iequals(d->sources[0], "'none'"));
    std::string replacement;
    if (lone_none) {
        replacement =
            std::string(p.text.substr(d->begin, d->end - d->begin).substr(0, d->name.size())) +
            " " + std::string(hash);
    } else {
        replacement =
            std::string(p.text.substr(d->begin, d->end - d->begin)) + " " + std::string(hash);
    }
    out.assign(p.text.substr(0, d->begin));
    out += replacement;
    out += p.text.substr(d->end);
    return out;
}

} // namespace

csp_amendment amend_csp_for_style(const std::vector<std::string_view>& enforce,
                                  const std::vector<std::string_view>& report_only,
                                  std::string_view hash_source) noexcept {
    csp_amendment r;
    try {
        // pass 1: the common nonce of every restricting policy, if any
        std::optional<std::vector<std::string>> common;
        bool any_restricting = false;
        for (const auto* list : {&enforce, &report_only})
            for (auto value : *list)
                for (auto text : split_policies(value)) {
                    const policy p = parse_policy(text);
                    const directive* d = governing(p);
                    if (!d || !restricts(*d))
                        continue;
                    any_restricting = true;
                    auto n = nonces(*d);
                    if (!common) {
                        common = std::move(n);
                    } else {
                        std::vector<std::string> keep;
                        for (auto& c : *common)
                            if (std::find(n.begin(), n.end(), c) != n.end())
                                keep.push_back(c);
                        common = std::move(keep);
                    }
                }
        const bool use_nonce = any_restricting && common && !common->empty();
        if (use_nonce)
            r.nonce = common->front();
        for (const auto* list : {&enforce, &report_only}) {
            auto& dest = list == &enforce ? r.enforce : r.report_only;
            for (auto value : *list) {
                if (use_nonce || !any_restricting) {
                    dest.emplace_back(value);
                    continue;
                }
                std::string amended;
                bool first = true;
                for (auto text : split_policies(value)) {
                    if (!first)
                        amended += ',';
                    first = false;
                    amended += amend_policy(parse_policy(text), hash_source);
                }
                r.changed = r.changed || amended != value;
                dest.push_back(std::move(amended));
            }
        }
    } catch (...) { // bad_alloc: leave the headers as they were, no nonce
        r = csp_amendment{};
        r.enforce.assign(enforce.begin(), enforce.end());
        r.report_only.assign(report_only.begin(), report_only.end());
    }
    return r;
}

std::optional<std::string> amend_meta_csp_for_style(std::string_view value,
                                                    std::string_view hash_source,
                                                    std::string_view style_nonce) noexcept {
    try {
        std::string out;
        bool changed = false, first = true, prev_amended = false;
        for (auto text : split_policies(value)) {
            if (!first) {
                if (prev_amended && !out.empty() && !is_ascii_ws(out.back()))
                    out += ' ';
                out += ',';
            }
            first = false;
            prev_amended = false;
            const policy p = parse_policy(text);
            const directive* d = governing(p);
            bool allowed = !d || !restricts(*d);
            if (!allowed && !style_nonce.empty()) {
                const auto n = nonces(*d);
                allowed = std::find(n.begin(), n.end(), style_nonce) != n.end();
            }
            if (allowed) {
                out += text;
                continue;
            }
            out += amend_policy(p, hash_source);
            changed = prev_amended = true;
        }
        if (!changed)
            return std::nullopt;
        return out;
    } catch (...) { // bad_alloc: the meta tag stays as it was
        return std::nullopt;
    }
}

std::string csp_hash_source(std::string_view style_text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(style_text.data(), style_text.size(), digest, &len, EVP_sha256(), nullptr);
    std::string b64(4 * ((len + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()), digest,
                                  static_cast<int>(len));
    b64.resize(static_cast<std::size_t>(n));
    return "'sha256-" + b64 + "'";
}

} // namespace geogate::html
