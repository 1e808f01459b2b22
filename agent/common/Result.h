// Errors as values for code that talks to the OS: what was being done, on
// what, and the errno it failed with. No exceptions cross these boundaries.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace safefarm {

struct Error {
    int code = 0;         // errno, or 0 when the failure is ours (bad input)
    std::string context;  // "attaching farm_filter to eth0 (skb mode)"

    std::string message() const {
        if (code == 0) return context;
        return context + ": " + std::strerror(code) + " (errno " + std::to_string(code) + ")";
    }
};

// An errno failure; pass the positive errno (libbpf returns it negated).
inline Error osError(int errnum, std::string context) {
    return Error{errnum < 0 ? -errnum : errnum, std::move(context)};
}

inline Error badInput(std::string context) { return Error{0, std::move(context)}; }

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T* operator->() { return &value(); }
    const Error& error() const { return std::get<1>(v_); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }

private:
    Error error_;
    bool ok_ = true;
};

inline Result<void> success() { return {}; }

}  // namespace safefarm
