// A small Beast client for the API tests: one request per call on a fresh
// connection (or several on one kept-alive connection), plain or TLS, every
// exchange bounded in time so a broken server fails a test, not hangs it.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/verb.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace safefarm::http::test {

struct HttpCall {
    boost::beast::http::verb method = boost::beast::http::verb::get;
    std::string target;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResult {
    unsigned status = 0;  // 0: no answer (error says why)
    std::string error;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names

    std::string header(const std::string& lowerName) const {
        auto it = headers.find(lowerName);
        return it == headers.end() ? std::string() : it->second;
    }
    nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// A raw plain connection to 127.0.0.1:port the test holds open (a
// descriptor), or -1 if it was refused.
int connectLoopback(uint16_t port);

class TestClient {
public:
    // tls: a client context (trusting the test certificate), or null for plain HTTP.
    explicit TestClient(uint16_t port, std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

    HttpResult call(const HttpCall& c);
    // The calls in order on one connection; stops at the first failure.
    std::vector<HttpResult> callKeepAlive(const std::vector<HttpCall>& calls);

    HttpResult get(const std::string& target, std::vector<std::pair<std::string, std::string>> headers = {});
    HttpResult post(const std::string& target, const std::string& body,
                    std::vector<std::pair<std::string, std::string>> headers = {});

    // Sends raw bytes on a plain connection and returns everything read
    // until the server closes or `wait` passes.
    std::string raw(const std::string& bytes, std::chrono::milliseconds wait = std::chrono::milliseconds(3000));

private:
    uint16_t port_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace safefarm::http::test
