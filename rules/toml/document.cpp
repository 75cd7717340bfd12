#include "rules/toml/document.hpp"

#include <cstring>

namespace geogate::toml {

const node* node::find(std::string_view child_key) const noexcept {
    if (type != kind::table)
        return nullptr;
    for (const auto& c : children)
        if (c.key == child_key)
            return &c;
    return nullptr;
}

const char* node::kind_name(kind k) noexcept {
    switch (k) {
    case kind::table:
        return "table";
    case kind::array:
        return "array";
    case kind::string:
        return "string";
    case kind::integer:
        return "integer";
    case kind::floating:
        return "float";
    case kind::boolean:
        return "boolean";
    case kind::date_time:
        return "date-time";
    }
    return "value";
}

namespace {

// Wire format, little-endian fixed-width fields:
//   node := kind:u8 line:u32 col:u32 key_line:u32 key_col:u32 key:str payload
//   payload: table/array -> count:u32 node*; string/date_time -> str; integer -> i64;
//            floating -> f64 bits; boolean -> u8.   str := len:u32 bytes
constexpr unsigned max_depth = 512;

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& out, std::string_view s) {
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

void encode_node(std::string& out, const node& n) {
    out.push_back(static_cast<char>(n.type));
    put_u32(out, n.where.line);
    put_u32(out, n.where.column);
    put_u32(out, n.key_where.line);
    put_u32(out, n.key_where.column);
    put_str(out, n.key);
    switch (n.type) {
    case node::kind::table:
    case node::kind::array:
        put_u32(out, static_cast<std::uint32_t>(n.children.size()));
        for (const auto& c : n.children)
            encode_node(out, c);
        break;
    case node::kind::string:
    case node::kind::date_time:
        put_str(out, n.text);
        break;
    case node::kind::integer:
        put_u64(out, static_cast<std::uint64_t>(n.integer));
        break;
    case node::kind::floating: {
        std::uint64_t bits;
        std::memcpy(&bits, &n.floating, sizeof bits);
        put_u64(out, bits);
        break;
    }
    case node::kind::boolean:
        out.push_back(n.boolean ? 1 : 0);
        break;
    }
}

class decoder {
public:
    explicit decoder(std::string_view b) : bytes_(b) {}

    bool node_at(node& n, unsigned depth) {
        if (depth > max_depth)
            return false;
        std::uint8_t k;
        if (!u8(k) || k > static_cast<std::uint8_t>(node::kind::date_time))
            return false;
        n.type = static_cast<node::kind>(k);
        if (!u32(n.where.line) || !u32(n.where.column) || !u32(n.key_where.line) ||
            !u32(n.key_where.column) || !str(n.key))
            return false;
        switch (n.type) {
        case node::kind::table:
        case node::kind::array: {
            std::uint32_t count;
            // Each child needs at least 21 bytes: a count beyond that is garbage, not a
            // reason to reserve gigabytes.
            if (!u32(count) || count > (bytes_.size() - pos_) / 21)
                return false;
            n.children.resize(count);
            for (auto& c : n.children)
                if (!node_at(c, depth + 1))
                    return false;
            return true;
        }
        case node::kind::string:
        case node::kind::date_time:
            return str(n.text);
        case node::kind::integer: {
            std::uint64_t v;
            if (!u64(v))
                return false;
            n.integer = static_cast<std::int64_t>(v);
            return true;
        }
        case node::kind::floating: {
            std::uint64_t v;
            if (!u64(v))
                return false;
            std::memcpy(&n.floating, &v, sizeof v);
            return true;
        }
        case node::kind::boolean: {
            std::uint8_t b;
            if (!u8(b) || b > 1)
                return false;
            n.boolean = b == 1;
            return true;
        }
        }
        return false;
    }
    bool at_end() const noexcept { return pos_ == bytes_.size(); }

private:
    bool u8(std::uint8_t& v) {
        if (bytes_.size() - pos_ < 1)
            return false;
        v = static_cast<std::uint8_t>(bytes_[pos_++]);
        return true;
    }
    bool u32(std::uint32_t& v) {
        if (bytes_.size() - pos_ < 4)
            return false;
        v = 0;
        for (int i = 0; i < 4; ++i)
            v |= std::uint32_t(static_cast<std::uint8_t>(bytes_[pos_++])) << (8 * i);
        return true;
    }
    bool u64(std::uint64_t& v) {
        if (bytes_.size() - pos_ < 8)
            return false;
        v = 0;
        for (int i = 0; i < 8; ++i)
            v |= std::uint64_t(static_cast<std::uint8_t>(bytes_[pos_++])) << (8 * i);
        return true;
    }
    bool str(std::string& s) {
        std::uint32_t len;
        if (!u32(len) || bytes_.size() - pos_ < len)
            return false;
        s.assign(bytes_.substr(pos_, len));
        pos_ += len;
        return true;
    }

    std::string_view bytes_;
    std::size_t pos_ = 0;
};

} // namespace

std::string encode(const node& root) {
    std::string out;
    encode_node(out, root);
    return out;
}

std::optional<node> decode(std::string_view bytes) {
    node root;
    decoder d(bytes);
    if (!d.node_at(root, 0) || !d.at_end())
        return std::nullopt;
    return root;
}

} // namespace geogate::toml
