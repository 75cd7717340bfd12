// explain output: what an operator reads to learn why a reader got what they got.
#include "rules/explain_report.hpp"
#include "rules/rule_loader.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace geogate;
using namespace geogate::rules;

TEST_CASE("explain report: text and JSON name the region, each rule and the decision") {
    diagnostics d;
    auto rs = load_rule_texts({{"r.toml", R"([[rule]]
name = "fr"
regions = ["FR"]
action = "pass"
[[rule]]
name = "ru-notice"
regions = ["RU"]
action = "notice"
notice = "undesirable"
)"}},
                              {}, d);
    REQUIRE(rs);
    explain_input in;
    in.peer_address = "10.0.0.1";
    in.client_address = "81.2.69.160";
    in.address_source = "X-Forwarded-For";
    in.url = "https://news.example/a?b=\"c\"";
    in.host = "news.example";
    in.path = "/a";
    in.where.has_address = true;
    in.where.found = true;
    in.where.country = "RU";
    in.where.add_subdivision("RU-MOW");
    in.where.anonymizer.vpn = true;
    request_view req{"GET", in.host, in.path, "", 0};
    in.result = decide(req, in.where, *rs, &in.trace);
    in.notice_language = "ru";

    auto text = explain_text(in);
    CHECK(text.find("client:   81.2.69.160 (from X-Forwarded-For)") != std::string::npos);
    CHECK(text.find("region:   RU, RU-MOW, vpn") != std::string::npos);
    CHECK(text.find("no     fr (r.toml:1:1): region not in the rule's regions") !=
          std::string::npos);
    CHECK(text.find("MATCH  ru-notice (r.toml:5:1)") != std::string::npos);
    CHECK(text.find("decision: notice by rule 'ru-notice'") != std::string::npos);
    CHECK(text.find("notice:   undesirable (ru) at body-start") != std::string::npos);

    auto json = boost::json::parse(explain_json(in)).as_object();
    CHECK(json.at("request").at("url").as_string() == in.url);
    CHECK(json.at("region").at("country").as_string() == "RU");
    CHECK(json.at("rules").as_array().size() == 2);
    CHECK(json.at("rules").as_array()[0].at("matched").as_bool() == false);
    CHECK(json.at("decision").at("action").as_string() == "notice");
    CHECK(json.at("decision").at("notice").as_string() == "undesirable");
    CHECK(json.at("decision").at("language").as_string() == "ru");
}

TEST_CASE("explain report: unknown region and no match") {
    explain_input in;
    in.peer_address = "garbage";
    rule_set empty;
    request_view req{"GET", "h", "/", "", 0};
    in.result = decide(req, in.where, empty, &in.trace);
    auto text = explain_text(in);
    CHECK(text.find("client:   (none usable)") != std::string::npos);
    CHECK(text.find("unknown (no usable client address)") != std::string::npos);
    CHECK(text.find("decision: pass (no rule matched)") != std::string::npos);
    auto json = boost::json::parse(explain_json(in)).as_object();
    CHECK(json.at("client").at("address").is_null());
    CHECK(json.at("decision").at("rule").is_null());
}
