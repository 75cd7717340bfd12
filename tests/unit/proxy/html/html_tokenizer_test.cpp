// html_tokenizer: which tags are real, what it reports about them, and that the events are the
// same for every split of the input (a chunk may end at any byte).
#include "proxy/html/html_tokenizer.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace geogate::html;

namespace {

// Records every event as text: "name:div", "<div>@0-5", "</p>@9-13", "text@4".
struct recorder {
    std::vector<std::string> events;
    std::string stop_at_tag; // stop scan() right after this tag's event ("" never)

    bool on_text(std::uint64_t at) {
        events.push_back("text@" + std::to_string(at));
        return false;
    }
    bool on_tag_name(const html_tag& t) {
        events.push_back("name:" + std::string(t.name()));
        return false;
    }
    bool on_tag(const html_tag& t) {
        std::string e = t.end ? "</" : "<";
        e += t.name();
        if (t.self_closing)
            e += "/";
        e += ">";
        if (t.in_foreign)
            e += "(foreign)";
        e += "@" + std::to_string(t.lt) + "-" + std::to_string(t.end_offset);
        events.push_back(e);
        return !stop_at_tag.empty() && e.starts_with(stop_at_tag);
    }
};

// Tag events only (names omitted), for the whole input in one piece and in pieces of `step`.
std::vector<std::string> tags(std::string_view html, std::size_t step = 0, bool text = false) {
    html_tokenizer tok;
    tok.text_events(text);
    recorder r;
    if (step == 0)
        step = html.size() + 1;
    for (std::size_t at = 0; at < html.size(); at += step) {
        const std::string piece(html.substr(at, step)); // a copy: nothing may point into it later
        tok.begin_chunk(piece.data(), at);
        tok.scan(piece.data(), piece.data() + piece.size(), r);
    }
    std::vector<std::string> out;
    for (auto& e : r.events)
        if (!e.starts_with("name:"))
            out.push_back(e);
    return out;
}

using strings = std::vector<std::string>;

} // namespace

TEST_CASE("tokenizer: tags, names lower-cased, offsets of '<' and after '>'", "[html_tokenizer]") {
    CHECK(tags("<HTML><Body class='a>b'>x</BODY>") ==
          strings{"<html>@0-6", "<body>@6-24", "</body>@25-32"});
    CHECK(tags("<br/><p a=1 b=\"2\" c>") == strings{"<br/>@0-5", "<p>@5-20"});
    CHECK(tags("<bodyx>") == strings{"<bodyx>@0-7"});
}

TEST_CASE("tokenizer: comments, doctype, bogus comments and lone '<' are not tags",
          "[html_tokenizer]") {
    CHECK(tags("<!DOCTYPE html><!-- <body> --><a>") == strings{"<a>@30-33"});
    CHECK(tags("<!--><b><!---><i>") == strings{"<b>@5-8", "<i>@14-17"});
    CHECK(tags("<?xml <body>?><!x <p>>< b></>") == strings{});
    CHECK(tags("<!-- a --!><u>") == strings{"<u>@11-14"});
}

TEST_CASE("tokenizer: script, raw text and plaintext hide tags until their end tag",
          "[html_tokenizer]") {
    CHECK(tags("<script>'<body>'</script ><p>") ==
          strings{"<script>@0-8", "</script>@16-26", "<p>@26-29"});
    CHECK(tags("<style></styl></style><i>") ==
          strings{"<style>@0-7", "</style>@14-22", "<i>@22-25"});
    CHECK(tags("<TextArea><b></textarea><b>") ==
          strings{"<textarea>@0-10", "</textarea>@13-24", "<b>@24-27"});
    CHECK(tags("<plaintext></plaintext><b>") == strings{"<plaintext>@0-11"});
    // escaped and double-escaped script data: "</script>" inside <!--<script> does not end it
    CHECK(tags("<script><!--<script></script>--></script><b>") ==
          strings{"<script>@0-8", "</script>@32-41", "<b>@41-44"});
}

TEST_CASE("tokenizer: SVG/MathML content: CDATA, and start tags without HTML meaning",
          "[html_tokenizer]") {
    CHECK(tags("<svg><style><g></g></style><![CDATA[<p>]]></svg><style><i></style>") ==
          strings{"<svg>@0-5", "<style>(foreign)@5-12", "<g>(foreign)@12-15", "</g>(foreign)@15-19",
                  "</style>(foreign)@19-27", "</svg>(foreign)@42-48", "<style>@48-55",
                  "</style>@58-66"});
    // outside SVG "<![CDATA[" is a bogus comment up to the first '>'
    CHECK(tags("<![CDATA[<p>]]><i>") == strings{"<i>@15-18"});
    CHECK(tags("<![CDATA[x]]><i>") == strings{"<i>@13-16"});
    // an HTML element such as <b> ends SVG content
    CHECK(tags("<svg><b><style><i></style>") ==
          strings{"<svg>@0-5", "<b>@5-8", "<style>@8-15", "</style>@18-26"});
}

TEST_CASE("tokenizer: text events skip a BOM and whitespace; a '<' that is text is text",
          "[html_tokenizer]") {
    CHECK(tags("\xEF\xBB\xBF \n<p> x", 0, true) == strings{"<p>@5-8", "text@9"});
    CHECK(tags("< a", 0, true) == strings{"text@0", "text@2"});
    CHECK(tags("\xEF\xBB\xBFx", 0, false) == strings{});
}

TEST_CASE("tokenizer: a long start tag name is reported early, once it has long_name bytes",
          "[html_tokenizer]") {
    html_tokenizer tok;
    recorder r;
    const std::string html = "<blockquote><plaintext";
    tok.begin_chunk(html.data(), 0);
    tok.scan(html.data(), html.data() + html.size(), r);
    CHECK(r.events ==
          strings{"name:blockquot", "name:blockquote", "<blockquote>@0-12", "name:plaintext"});
}

TEST_CASE("tokenizer: phase and closer say where a document stopped", "[html_tokenizer]") {
    auto at_end = [](std::string_view html) {
        html_tokenizer tok;
        recorder r;
        tok.begin_chunk(html.data(), 0);
        tok.scan(html.data(), html.data() + html.size(), r);
        std::string closer;
        tok.append_closer(closer);
        return std::pair{tok.phase(), closer};
    };
    CHECK(at_end("<p>x") == std::pair{tag_phase::none, std::string()});
    CHECK(at_end("<p>x<") == std::pair{tag_phase::open, std::string()});
    CHECK(at_end("</") == std::pair{tag_phase::open, std::string(">")});
    CHECK(at_end("<di") == std::pair{tag_phase::name, std::string(">")});
    CHECK(at_end("<a href=\"x") == std::pair{tag_phase::attrs, std::string("\">")});
    CHECK(at_end("<a href='x") == std::pair{tag_phase::attrs, std::string("'>")});
    CHECK(at_end("<!-- x") == std::pair{tag_phase::none, std::string("-->")});
    CHECK(at_end("<title>x</tit") == std::pair{tag_phase::none, std::string("</title>")});
    CHECK(at_end("<script>if (a<b)") == std::pair{tag_phase::none, std::string("\n--></script>")});
    CHECK(at_end("<svg><![CDATA[x") == std::pair{tag_phase::none, std::string("]]>")});
    CHECK(at_end("<plaintext>x") == std::pair{tag_phase::none, std::string()});
}

TEST_CASE("tokenizer: a sink that stops scan() can resume it where it stopped",
          "[html_tokenizer]") {
    const std::string html = "<a><b></b><c>";
    html_tokenizer tok;
    recorder r;
    r.stop_at_tag = "<b>";
    tok.begin_chunk(html.data(), 0);
    const char* p = tok.scan(html.data(), html.data() + html.size(), r);
    CHECK(p - html.data() == 6);
    r.stop_at_tag.clear();
    tok.scan(p, html.data() + html.size(), r);
    CHECK(r.events == strings{"name:a", "<a>@0-3", "name:b", "<b>@3-6", "name:b", "</b>@6-10",
                              "name:c", "<c>@10-13"});
}

TEST_CASE("tokenizer: the same events for every split of the input", "[html_tokenizer]") {
    const std::string html =
        "\xEF\xBB\xBF<!DOCTYPE html><html><head><meta charset=utf-8><title>a</b></title>"
        "<script>x='</scr'+'ipt>';<!--<script>--></script></head><body a=\"1\" b='2' c=3 d/>"
        "<svg><![CDATA[<i>]]><foreignObject/></svg><textarea></body></textarea>"
        "<!--c--><template><p>t</p></template></body></html>";
    const auto whole = tags(html, 0, true);
    REQUIRE(whole.size() > 10);
    for (std::size_t step = 1; step < 40; ++step) {
        INFO("step " << step);
        CHECK(tags(html, step, true) == whole);
        CHECK(tags(html, step, false) == tags(html, 0, false));
    }
}
