#include "geoip/mmdb_verify.hpp"

#include <vector>

namespace geogate::geoip {
namespace {

constexpr unsigned max_depth = 64;
constexpr std::size_t separator_size = 16;

enum : unsigned {
    t_pointer = 1,
    t_string = 2,
    t_double = 3,
    t_bytes = 4,
    t_uint16 = 5,
    t_uint32 = 6,
    t_map = 7,
    t_int32 = 8,
    t_uint64 = 9,
    t_uint128 = 10,
    t_array = 11,
    t_container = 12,
    t_end_marker = 13,
    t_boolean = 14,
    t_float = 15
};

bool valid_utf8(const std::uint8_t* p, std::size_t n) noexcept {
    std::size_t i = 0;
    while (i < n) {
        const std::uint8_t c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        std::uint32_t cp;
        if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i < len)
            return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        static constexpr std::uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

class verifier {
public:
    explicit verifier(std::span<const std::uint8_t> data)
        : data_(data), done_((data.size() + 63) / 64), busy_((data.size() + 63) / 64) {}

    // A complete value starting at `offset` (a search tree record's target).
    bool record(std::size_t offset) {
        if (test(done_, offset))
            return true;
        std::size_t at = offset;
        if (!value(at, 0, false))
            return false;
        set(done_, offset, true);
        return true;
    }

    std::string error;

private:
    static bool test(const std::vector<std::uint64_t>& b, std::size_t i) noexcept {
        return (b[i / 64] >> (i % 64)) & 1u;
    }
    static void set(std::vector<std::uint64_t>& b, std::size_t i, bool on) noexcept {
        if (on)
            b[i / 64] |= std::uint64_t{1} << (i % 64);
        else
            b[i / 64] &= ~(std::uint64_t{1} << (i % 64));
    }

    bool fail(std::size_t at, const char* what) {
        error = std::string(what) + " at data section offset " + std::to_string(at);
        return false;
    }

    bool need(std::size_t at, std::size_t n) const noexcept {
        return at <= data_.size() && data_.size() - at >= n;
    }

    std::uint32_t be(std::size_t at, std::size_t n) const noexcept {
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < n; ++i)
            v = (v << 8) | data_[at + i];
        return v;
    }

    bool value(std::size_t& at, unsigned depth, bool want_string) {
        const std::size_t start = at;
        if (depth > max_depth)
            return fail(start, "data nested deeper than 64 levels");
        if (!need(at, 1))
            return fail(start, "value runs past the data section");
        const std::uint8_t ctrl = data_[at++];
        unsigned type = ctrl >> 5;

        if (type == t_pointer) {
            const unsigned ss = (ctrl >> 3) & 3u;
            if (!need(at, ss + 1))
                return fail(start, "pointer runs past the data section");
            std::uint64_t target;
            switch (ss) {
            case 0:
                target = (std::uint64_t{ctrl & 7u} << 8) | be(at, 1);
                break;
            case 1:
                target = ((std::uint64_t{ctrl & 7u} << 16) | be(at, 2)) + 2048;
                break;
            case 2:
                target = ((std::uint64_t{ctrl & 7u} << 24) | be(at, 3)) + 526336;
                break;
            default:
                target = be(at, 4);
                break;
            }
            at += ss + 1;
            if (target >= data_.size())
                return fail(start, "pointer points past the data section");
            const auto t = static_cast<std::size_t>(target);
            const unsigned target_type = data_[t] >> 5;
            if (target_type == t_pointer)
                return fail(start, "pointer points to a pointer");
            if (want_string && target_type != t_string)
                return fail(start, "map key is not a string");
            if (test(done_, t))
                return true;
            if (test(busy_, t))
                return fail(start, "pointer cycle");
            set(busy_, t, true);
            std::size_t inner = t;
            const bool ok = value(inner, depth + 1, want_string);
            set(busy_, t, false);
            if (ok)
                set(done_, t, true);
            return ok;
        }

        if (type == 0) {
            if (!need(at, 1))
                return fail(start, "extended type runs past the data section");
            type = 7u + data_[at++];
            if (type < t_int32 || type > t_float)
                return fail(start, "unknown data type");
        }
        if (want_string && type != t_string)
            return fail(start, "map key is not a string");

        std::size_t size = ctrl & 0x1fu;
        if (size >= 29) {
            const std::size_t extra = size - 28;
            if (!need(at, extra))
                return fail(start, "size runs past the data section");
            const std::uint32_t v = be(at, extra);
            at += extra;
            size = size == 29 ? 29 + v : size == 30 ? 285 + v : 65821 + v;
        }

        auto payload = [&](std::size_t n) {
            if (!need(at, n))
                return fail(start, "value runs past the data section");
            at += n;
            return true;
        };
        switch (type) {
        case t_string:
            if (!need(at, size))
                return fail(start, "string runs past the data section");
            if (!valid_utf8(data_.data() + at, size))
                return fail(start, "string is not valid UTF-8");
            at += size;
            return true;
        case t_bytes:
            return payload(size);
        case t_double:
            return size == 8 ? payload(8) : fail(start, "double whose size is not 8");
        case t_float:
            return size == 4 ? payload(4) : fail(start, "float whose size is not 4");
        case t_uint16:
            return size <= 2 ? payload(size) : fail(start, "uint16 wider than 2 bytes");
        case t_uint32:
        case t_int32:
            return size <= 4 ? payload(size) : fail(start, "32-bit integer too wide");
        case t_uint64:
            return size <= 8 ? payload(size) : fail(start, "uint64 wider than 8 bytes");
        case t_uint128:
            return size <= 16 ? payload(size) : fail(start, "uint128 wider than 16 bytes");
        case t_boolean:
            return size <= 1 ? true : fail(start, "boolean with a value other than 0/1");
        case t_map:
            for (std::size_t i = 0; i < size; ++i)
                if (!value(at, depth + 1, true) || !value(at, depth + 1, false))
                    return false;
            return true;
        case t_array:
            for (std::size_t i = 0; i < size; ++i)
                if (!value(at, depth + 1, false))
                    return false;
            return true;
        default:
            return fail(start, "data cache container or end marker in the data section");
        }
    }

    std::span<const std::uint8_t> data_;
    std::vector<std::uint64_t> done_; // a complete, valid value starts here
    std::vector<std::uint64_t> busy_; // being decoded through a pointer: a cycle if met again
};

std::uint32_t read_record(const std::uint8_t* node, unsigned record_size, bool right) noexcept {
    auto b = [&](std::size_t i) { return std::uint32_t{node[i]}; };
    switch (record_size) {
    case 24:
        return right ? (b(3) << 16) | (b(4) << 8) | b(5) : (b(0) << 16) | (b(1) << 8) | b(2);
    case 28:
        return right ? ((b(3) & 0x0f) << 24) | (b(4) << 16) | (b(5) << 8) | b(6)
                     : ((b(3) & 0xf0) << 20) | (b(0) << 16) | (b(1) << 8) | b(2);
    default:
        return right ? (b(4) << 24) | (b(5) << 16) | (b(6) << 8) | b(7)
                     : (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
    }
}

} // namespace

result<void> verify_mmdb(const mmdb_layout& layout) noexcept {
    try {
        const auto rs = layout.record_size;
        if (rs != 24 && rs != 28 && rs != 32)
            return fail("record size " + std::to_string(rs) + " is not 24, 28 or 32");
        if (layout.node_count == 0)
            return fail("the search tree has no nodes");
        const std::size_t node_bytes = rs / 4; // two records
        const std::uint64_t tree_size = std::uint64_t{layout.node_count} * node_bytes;
        const std::size_t end = layout.metadata_marker_offset;
        if (end > layout.file.size() || tree_size + separator_size > end)
            return fail("node count " + std::to_string(layout.node_count) +
                        " does not fit in the file size " + std::to_string(layout.file.size()));
        const auto* sep = layout.file.data() + tree_size;
        for (std::size_t i = 0; i < separator_size; ++i)
            if (sep[i] != 0)
                return fail("the 16-byte separator after the search tree is not zero");
        const std::size_t data_start = static_cast<std::size_t>(tree_size) + separator_size;
        verifier v(layout.file.subspan(data_start, end - data_start));
        const std::uint64_t nodes = layout.node_count;
        const std::uint64_t data_size = end - data_start;
        for (std::uint64_t n = 0; n < nodes; ++n) {
            const auto* node = layout.file.data() + n * node_bytes;
            for (bool right : {false, true}) {
                const std::uint64_t r = read_record(node, rs, right);
                if (r == 0) // the root is nobody's child: a loop back to it is corrupt
                    return fail("search tree node " + std::to_string(n) +
                                " points back to the root");
                if (r <= nodes)
                    continue; // another node, or "no data"
                auto where = [&] {
                    return "search tree node " + std::to_string(n) + " (" +
                           (right ? "right" : "left") + " record " + std::to_string(r) + ")";
                };
                if (r < nodes + separator_size)
                    return fail(where() + " points into the data section separator");
                const std::uint64_t off = r - nodes - separator_size;
                if (off >= data_size)
                    return fail(where() + " points past the data section");
                if (!v.record(static_cast<std::size_t>(off)))
                    return fail(where() + ": " + v.error);
            }
        }
        return {};
    } catch (...) {
        return fail("out of memory while verifying");
    }
}

} // namespace geogate::geoip
