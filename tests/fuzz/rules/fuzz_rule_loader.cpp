// Fuzzes the rule loader as the proxy runs it: bytes -> isolated toml++ child -> wire decode ->
// validation -> decide(). The first input byte picks the mode: odd = feed the bytes to decode()
// directly (the parent's only parser of child output, which must survive any garbage); even =
// a rule file. Crashes of the toml++ child are expected and are not findings: only the
// parent is instrumented for them.
#include "rules/decide.hpp"
#include "rules/rule_loader.hpp"

#include <cstddef>
#include <cstdint>

using namespace geogate;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0)
        return 0;
    std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] & 1) {
        if (auto root = toml::decode(bytes); root && root->is_table()) {
            diagnostics d;
            std::vector<std::pair<std::string, toml::node>> docs;
            docs.emplace_back("fuzz.toml", std::move(*root));
            (void)rules::compile_rules(docs, {}, d);
        }
        return 0;
    }
    diagnostics d;
    auto rs = rules::load_rule_texts(
        {{"fuzz.toml", std::string(bytes)}}, [](std::string_view id) { return id.size() < 8; }, d);
    for (const auto& x : d)
        if (x.file != "fuzz.toml" || x.message.empty())
            __builtin_trap();
    if (rs) {
        geoip::location w;
        w.has_address = true;
        w.found = true;
        w.country = "RU";
        w.add_subdivision("UA-43");
        rules::request_view req{"GET", "example.com", "/news/a", "Mozilla", 1};
        auto dec = rules::decide(req, w, *rs);
        std::vector<rules::rule_trace> trace;
        auto dec2 = rules::decide(req, w, *rs, &trace);
        if (dec.matched != dec2.matched)
            __builtin_trap();
    }
    return 0;
}
