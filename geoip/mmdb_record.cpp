#include "geoip/mmdb_record.hpp"

#include <string_view>

namespace geogate::geoip {
namespace {

constexpr unsigned max_depth = 32;

enum : unsigned { t_pointer = 1, t_string = 2, t_map = 7, t_array = 11, t_boolean = 14 };

// One decoded value: its type, its size (element count for maps and arrays, byte count for
// strings, the value for booleans) and where its payload starts.
struct value {
    unsigned type = 0;
    std::size_t size = 0;
    std::size_t payload = 0;
};

class reader {
public:
    explicit reader(std::span<const std::uint8_t> d) : d_(d) {}

    // Decodes the value at `at`, following one pointer; `at` moves past the value's header
    // (for a pointer: past the pointer, which is the whole value in place). `followed` says
    // whether a pointer was followed (then the payload is elsewhere and `at` is final).
    bool decode(std::size_t& at, value& v, bool& followed) const noexcept {
        followed = false;
        if (!head(at, v))
            return false;
        if (v.type != t_pointer)
            return true;
        followed = true;
        std::size_t target = v.size;
        if (!head(target, v) || v.type == t_pointer)
            return false;
        return true;
    }

    // Moves `at` past the value there (a pointer is skipped, not followed).
    bool skip(std::size_t& at, unsigned depth) const noexcept {
        if (depth > max_depth)
            return false;
        value v;
        if (!head(at, v))
            return false;
        switch (v.type) {
        case t_pointer:
            return true;
        case t_map:
            for (std::size_t i = 0; i < v.size; ++i)
                if (!skip(at, depth + 1) || !skip(at, depth + 1))
                    return false;
            return true;
        case t_array:
            for (std::size_t i = 0; i < v.size; ++i)
                if (!skip(at, depth + 1))
                    return false;
            return true;
        case t_boolean:
            return true;
        default:
            if (v.size > d_.size() - v.payload)
                return false;
            at = v.payload + v.size;
            return true;
        }
    }

    // The value at `at` as a string (empty when it is another type).
    bool string(std::size_t& at, std::string_view& out) const noexcept {
        const std::size_t start = at;
        value v;
        bool followed;
        if (!decode(at, v, followed))
            return false;
        if (v.type != t_string) {
            at = start;
            return skip(at, 0);
        }
        if (v.size > d_.size() - v.payload)
            return false;
        out = std::string_view(reinterpret_cast<const char*>(d_.data() + v.payload), v.size);
        if (!followed)
            at += v.size;
        return true;
    }

    // Walks a map at `at`, calling f(key, position of the value); f must move the position
    // past the value (or return false).
    template <class F> bool map(std::size_t& at, unsigned depth, F&& f) const noexcept {
        if (depth > max_depth)
            return false;
        value m;
        const std::size_t start = at;
        bool followed;
        if (!decode(at, m, followed))
            return false;
        if (m.type != t_map) {
            at = start;
            return skip(at, depth);
        }
        std::size_t pos = m.payload;
        for (std::size_t i = 0; i < m.size; ++i) {
            std::string_view key;
            if (!string(pos, key) || !f(key, pos))
                return false;
        }
        if (!followed)
            at = pos;
        return true;
    }

    template <class F> bool array(std::size_t& at, unsigned depth, F&& f) const noexcept {
        if (depth > max_depth)
            return false;
        value a;
        const std::size_t start = at;
        bool followed;
        if (!decode(at, a, followed))
            return false;
        if (a.type != t_array) {
            at = start;
            return skip(at, depth);
        }
        std::size_t pos = a.payload;
        for (std::size_t i = 0; i < a.size; ++i)
            if (!f(i, pos))
                return false;
        if (!followed)
            at = pos;
        return true;
    }

    bool boolean(std::size_t& at, bool& out) const noexcept {
        const std::size_t start = at;
        value v;
        bool followed;
        if (!decode(at, v, followed))
            return false;
        if (v.type == t_boolean) {
            out = v.size != 0;
            return true;
        }
        at = start;
        return skip(at, 0);
    }

    // "names" -> "en" inside the map at `at`.
    bool english_name(std::size_t& at, unsigned depth, std::string_view& out) const noexcept {
        return map(at, depth, [&](std::string_view k, std::size_t& p) {
            if (k != "names")
                return skip(p, depth + 1);
            return map(p, depth + 1, [&](std::string_view lang, std::size_t& q) {
                return lang == "en" ? string(q, out) : skip(q, depth + 2);
            });
        });
    }

private:
    // The header at `at`: for a pointer, size is the target offset.
    bool head(std::size_t& at, value& v) const noexcept {
        const std::size_t n = d_.size();
        if (at >= n)
            return false;
        const std::uint8_t ctrl = d_[at++];
        v.type = ctrl >> 5;
        if (v.type == t_pointer) {
            const unsigned ss = (ctrl >> 3) & 3u;
            if (n - at < ss + 1)
                return false;
            std::size_t p = 0;
            for (unsigned i = 0; i <= ss; ++i)
                p = (p << 8) | d_[at + i];
            static constexpr std::size_t bias[4] = {0, 2048, 526336, 0};
            if (ss < 3)
                p |= std::size_t{ctrl & 7u} << (8 * (ss + 1));
            at += ss + 1;
            v.size = p + bias[ss];
            v.payload = at;
            return true;
        }
        if (v.type == 0) {
            if (at >= n)
                return false;
            v.type = 7u + d_[at++];
        }
        std::size_t size = ctrl & 0x1fu;
        if (size >= 29) {
            const std::size_t extra = size - 28;
            if (n - at < extra)
                return false;
            std::size_t e = 0;
            for (std::size_t i = 0; i < extra; ++i)
                e = (e << 8) | d_[at + i];
            at += extra;
            size = size == 29 ? 29 + e : size == 30 ? 285 + e : 65821 + e;
        }
        v.size = size;
        v.payload = at;
        return true;
    }

    std::span<const std::uint8_t> d_;
};

} // namespace

bool read_region_record(std::span<const std::uint8_t> data, std::size_t offset,
                        raw_region& out) noexcept {
    const reader r(data);
    std::size_t at = offset;
    return r.map(at, 0, [&](std::string_view key, std::size_t& p) {
        if (key == "country") // GeoIP2
            return r.map(p, 1, [&](std::string_view k, std::size_t& q) {
                return k == "iso_code" ? r.string(q, out.country) : r.skip(q, 2);
            });
        if (key == "country_code") // flat
            return r.string(p, out.country);
        if (key == "state1") { // flat
            auto& s = out.subdivisions[0];
            if (!r.string(p, s.name))
                return false;
            out.subdivision_count = s.name.empty() ? 0 : 1;
            return true;
        }
        if (key == "subdivisions") // GeoIP2
            return r.array(p, 1, [&](std::size_t i, std::size_t& q) {
                if (i >= location::max_subdivisions)
                    return r.skip(q, 2);
                auto& s = out.subdivisions[i];
                out.subdivision_count = static_cast<std::uint8_t>(i + 1);
                return r.map(q, 2, [&](std::string_view k, std::size_t& x) {
                    if (k == "iso_code")
                        return r.string(x, s.iso_code);
                    if (k == "names")
                        return r.map(x, 3, [&](std::string_view lang, std::size_t& y) {
                            return lang == "en" ? r.string(y, s.name) : r.skip(y, 4);
                        });
                    return r.skip(x, 3);
                });
            });
        if (key == "city") { // a map in GeoIP2, a string in the flat schema
            value v;
            std::size_t tmp = p;
            bool followed;
            if (!r.decode(tmp, v, followed))
                return false;
            return v.type == t_string ? r.string(p, out.city) : r.english_name(p, 1, out.city);
        }
        return r.skip(p, 1);
    });
}

bool read_anonymizer_record(std::span<const std::uint8_t> data, std::size_t offset,
                            anonymizer_flags& out) noexcept {
    const reader r(data);
    std::size_t at = offset;
    return r.map(at, 0, [&](std::string_view key, std::size_t& p) {
        bool* flag = key == "is_anonymous"           ? &out.anonymous
                     : key == "is_anonymous_vpn"     ? &out.vpn
                     : key == "is_tor_exit_node"     ? &out.tor
                     : key == "is_hosting_provider"  ? &out.hosting
                     : key == "is_public_proxy"      ? &out.proxy
                     : key == "is_residential_proxy" ? &out.residential_proxy
                                                     : nullptr;
        return flag ? r.boolean(p, *flag) : r.skip(p, 1);
    });
}

} // namespace geogate::geoip
