// CSP amendment table: what the page's policy becomes so that the notice's inline <style>
// renders, and the guarantees (never 'unsafe-inline', never disabling the page's own).
#include "proxy/html/csp.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

using namespace geogate::html;

namespace {

constexpr std::string_view H = "'sha256-AbC='";

std::size_t count(std::string_view s, std::string_view what) {
    std::size_t n = 0;
    for (auto p = s.find(what); p != s.npos; p = s.find(what, p + 1))
        ++n;
    return n;
}

} // namespace

TEST_CASE("one policy: the hash goes where the <style> element is governed") {
    struct row {
        const char* in;
        const char* out;
    };
    const row table[] = {
        {"default-src 'self'", "default-src 'self'; style-src 'self' 'sha256-AbC='"},
        {"default-src 'self';", "default-src 'self'; style-src 'self' 'sha256-AbC='"},
        {"default-src 'none'", "default-src 'none'; style-src 'sha256-AbC='"},
        {"style-src 'self'", "style-src 'self' 'sha256-AbC='"},
        {"style-src 'none'; img-src *", "style-src 'sha256-AbC='; img-src *"},
        {"style-src; img-src *", "style-src 'sha256-AbC='; img-src *"},
        {"STYLE-SRC 'SELF'", "STYLE-SRC 'SELF' 'sha256-AbC='"},
        {"style-src 'self' 'unsafe-inline'", "style-src 'self' 'unsafe-inline'"},
        {"style-src 'unsafe-inline' 'sha256-xyz='",
         "style-src 'unsafe-inline' 'sha256-xyz=' 'sha256-AbC='"},
        {"style-src-elem 'self'; style-src 'unsafe-inline'",
         "style-src-elem 'self' 'sha256-AbC='; style-src 'unsafe-inline'"},
        {"style-src-elem 'unsafe-inline'; style-src 'none'",
         "style-src-elem 'unsafe-inline'; style-src 'none'"},
        {"default-src 'self'; style-src 'unsafe-inline'",
         "default-src 'self'; style-src 'unsafe-inline'"},
        {"script-src 'self'; img-src *", "script-src 'self'; img-src *"},
        {"style-src 'unsafe-inline'; style-src 'self'",
         "style-src 'unsafe-inline'; style-src 'self'"},
        {"default-src 'self' 'unsafe-inline' 'sha256-x='",
         "default-src 'self' 'unsafe-inline' 'sha256-x='; style-src 'self' 'sha256-x=' "
         "'sha256-AbC='"},
        {"default-src https: 'unsafe-eval'",
         "default-src https: 'unsafe-eval'; style-src https: 'unsafe-eval' 'sha256-AbC='"},
        {"style-src 'self', default-src 'none'",
         "style-src 'self' 'sha256-AbC=', default-src 'none'; style-src 'sha256-AbC='"},
        {"", ""},
        {";;; ,, ;", ";;; ,, ;"},
        {"sty!le-src x; default-src 'self'",
         "sty!le-src x; default-src 'self'; style-src 'self' 'sha256-AbC='"},
        {"\x01\x02\xff", "\x01\x02\xff"},
    };
    for (const auto& t : table) {
        INFO(t.in);
        const auto r = amend_csp_for_style({t.in}, {}, H);
        REQUIRE(r.enforce.size() == 1);
        CHECK(r.enforce[0] == t.out);
        CHECK(r.nonce.empty());
        CHECK(r.changed == (std::string_view(t.in) != t.out));
        CHECK(count(r.enforce[0], "'unsafe-inline'") == count(t.in, "'unsafe-inline'"));
    }
}

TEST_CASE("a nonce shared by every restricting policy is reused, headers untouched") {
    const auto r = amend_csp_for_style(
        {"style-src 'nonce-r4nd0m' 'self'", "default-src 'self' 'nonce-r4nd0m'; script-src 'none'"},
        {"style-src 'unsafe-inline'"}, H);
    CHECK(r.nonce == "r4nd0m");
    CHECK_FALSE(r.changed);
    CHECK(r.enforce[0] == "style-src 'nonce-r4nd0m' 'self'");
    CHECK(r.enforce[1] == "default-src 'self' 'nonce-r4nd0m'; script-src 'none'");
}

TEST_CASE("no common nonce: the hash is added to every restricting policy") {
    const auto r = amend_csp_for_style({"style-src 'nonce-a'", "style-src 'nonce-b'"},
                                       {"default-src 'none'"}, H);
    CHECK(r.nonce.empty());
    CHECK(r.changed);
    CHECK(r.enforce[0] == "style-src 'nonce-a' 'sha256-AbC='");
    CHECK(r.enforce[1] == "style-src 'nonce-b' 'sha256-AbC='");
    REQUIRE(r.report_only.size() == 1);
    CHECK(r.report_only[0] == "default-src 'none'; style-src 'sha256-AbC='");
}

TEST_CASE("report-only policies are amended like enforced ones") {
    const auto r = amend_csp_for_style({}, {"style-src 'self'"}, H);
    CHECK(r.enforce.empty());
    CHECK(r.report_only[0] == "style-src 'self' 'sha256-AbC='");
}

TEST_CASE("the hash source is sha256 of the style text, base64, quoted") {
    CHECK(csp_hash_source("") == "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
    CHECK(csp_hash_source("a").size() == std::string("'sha256-'").size() + 44);
}

TEST_CASE("a meta policy gets the header's amendment, given the nonce our <style> carries") {
    struct row {
        const char* in;
        const char* nonce;
        std::optional<std::string> out;
    };
    const row table[] = {
        {"style-src 'self'", "", "style-src 'self' 'sha256-AbC='"},
        {"default-src 'self'", "", "default-src 'self'; style-src 'self' 'sha256-AbC='"},
        {"style-src 'none'; img-src *", "", "style-src 'sha256-AbC='; img-src *"},
        {"style-src 'self' 'unsafe-inline'", "", std::nullopt},
        {"script-src 'self'", "", std::nullopt},
        {"", "", std::nullopt},
        // the nonce our <style> carries (the header's) allows it; another nonce does not
        {"style-src 'nonce-n1' 'self'", "n1", std::nullopt},
        {"style-src 'nonce-n2'", "n1", "style-src 'nonce-n2' 'sha256-AbC='"},
        {"style-src 'nonce-n1'", "", "style-src 'nonce-n1' 'sha256-AbC='"},
        // several policies: each amended on its own; a space keeps the hash apart from ','
        {"style-src 'self', img-src *", "", "style-src 'self' 'sha256-AbC=' , img-src *"},
        {"img-src *,style-src 'self'", "", "img-src *,style-src 'self' 'sha256-AbC='"},
        {"style-src 'self' ,default-src 'none'", "",
         "style-src 'self' 'sha256-AbC=' ,default-src 'none'; style-src 'sha256-AbC='"},
    };
    for (const auto& t : table) {
        INFO(t.in << " / nonce " << t.nonce);
        CHECK(amend_meta_csp_for_style(t.in, H, t.nonce) == t.out);
    }
}
