#include "http/PasswordHash.h"

#include <openssl/evp.h>

#include <charconv>
#include <vector>

#include "http/Crypto.h"

namespace safefarm::http {

namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;
// Above this one verification would stall for minutes: a typo, refused.
constexpr unsigned kMaxIterations = 50'000'000;

struct Parsed {
    unsigned iterations = 0;
    std::string salt;
    std::string key;
};

Result<std::string> derive(std::string_view password, std::string_view salt, unsigned iterations, std::size_t length) {
    std::string out(length, '\0');
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                          reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                          static_cast<int>(iterations), EVP_sha256(), static_cast<int>(length),
                          reinterpret_cast<unsigned char*>(out.data())) != 1)
        return badInput("OpenSSL PBKDF2 failed");
    return out;
}

Result<Parsed> parse(std::string_view encoded) {
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;) {
        auto dollar = encoded.find('$', start);
        parts.push_back(encoded.substr(start, dollar == std::string_view::npos ? dollar : dollar - start));
        if (dollar == std::string_view::npos) break;
        start = dollar + 1;
    }
    if (parts.size() != 4 || parts[0] != kScheme)
        return badInput("password hash is not pbkdf2-sha256$ITERATIONS$SALT$KEY");
    Parsed p;
    auto [end, ec] = std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), p.iterations);
    if (ec != std::errc() || end != parts[1].data() + parts[1].size())
        return badInput("password hash has a bad iteration count");
    if (p.iterations < kMinPbkdf2Iterations || p.iterations > kMaxIterations)
        return badInput("password hash iteration count " + std::to_string(p.iterations) + " is outside " +
                        std::to_string(kMinPbkdf2Iterations) + ".." + std::to_string(kMaxIterations));
    auto salt = fromHex(parts[2]);
    auto key = fromHex(parts[3]);
    if (!salt || salt->size() < 8) return badInput("password hash has a bad salt");
    if (!key || key->size() < 16) return badInput("password hash has a bad key");
    p.salt = std::move(*salt);
    p.key = std::move(*key);
    return p;
}

}  // namespace

Result<std::string> hashPassword(std::string_view password, unsigned iterations) {
    auto saltHex = randomHex(kSaltBytes);
    if (!saltHex) return saltHex.error();
    auto salt = *fromHex(saltHex.value());
    auto key = derive(password, salt, iterations, kKeyBytes);
    if (!key) return key.error();
    return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + saltHex.value() + "$" + toHex(key.value());
}

Result<bool> verifyPassword(std::string_view password, std::string_view encoded) {
    auto p = parse(encoded);
    if (!p) return p.error();
    auto key = derive(password, p->salt, p->iterations, p->key.size());
    if (!key) return key.error();
    return constantTimeEqual(key.value(), p->key);
}

Result<void> checkPasswordHash(std::string_view encoded) {
    auto p = parse(encoded);
    if (!p) return p.error();
    return success();
}

}  // namespace safefarm::http
