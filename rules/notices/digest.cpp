#include "rules/notices/digest.hpp"

#include <cstdlib>
#include <openssl/evp.h>

namespace geogate::notices {

sha256_digest sha256(std::string_view data) noexcept {
    sha256_digest out{};
    unsigned int len = 0;
    // EVP_Digest only fails on allocation failure; a wrong hash would be worse than stopping.
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
        len != out.size())
        std::abort();
    return out;
}

std::string to_hex(const sha256_digest& d) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(d.size() * 2);
    for (unsigned char c : d) {
        s.push_back(digits[c >> 4]);
        s.push_back(digits[c & 15]);
    }
    return s;
}

std::string to_base64(std::string_view bytes) {
    static constexpr char table[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string s;
    s.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 |
                     (unsigned char)bytes[i + 2];
        s += table[v >> 18];
        s += table[(v >> 12) & 63];
        s += table[(v >> 6) & 63];
        s += table[v & 63];
    }
    if (std::size_t rest = bytes.size() - i) {
        unsigned v = (unsigned char)bytes[i] << 16;
        if (rest == 2)
            v |= (unsigned char)bytes[i + 1] << 8;
        s += table[v >> 18];
        s += table[(v >> 12) & 63];
        s += rest == 2 ? table[(v >> 6) & 63] : '=';
        s += '=';
    }
    return s;
}

std::string csp_hash_source(std::string_view element_content) {
    auto d = sha256(element_content);
    return "'sha256-" +
           to_base64(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())) + "'";
}

} // namespace geogate::notices
