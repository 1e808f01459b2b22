#include "app/CheckerFactory.h"

#include <sstream>

#include "app/CustomChecker.h"
#include "app/HttpChecker.h"
#include "app/IntfChecker.h"
#include "app/IpChecker.h"
#include "app/PingChecker.h"
#include "app/TcpChecker.h"
#include "config/Vocabulary.h"

namespace safefarm::app {

namespace {

// A default of the vocabulary table, so it lives in one place.
std::chrono::nanoseconds vocabularyDefault(const char* attr) {
    const auto* spec = config::findAttr("safe/service/check/tcp/to", attr);
    auto d = spec ? config::parseDuration(spec->def, spec->unit) : std::nullopt;
    return d.value_or(std::chrono::seconds(10));
}

Result<boost::asio::ip::address> toAsio(const config::CheckConfig& c) {
    if (!c.addr) return badInput("checker " + c.ident + ": no address");
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(formatIp(*c.addr), ec);
    if (ec) return badInput("checker " + c.ident + ": bad address " + formatIp(*c.addr));
    return a;
}

}  // namespace

CheckTiming checkTiming(const config::CheckConfig& c) {
    CheckTiming t{c.interval, c.timeout};
    if (t.interval.count() <= 0) t.interval = vocabularyDefault("interval");
    if (t.timeout.count() <= 0) t.timeout = vocabularyDefault("timeout");
    return t;
}

Result<std::unique_ptr<Checker>> makeChecker(const config::CheckConfig& c, const CheckerContext& ctx,
                                             VerdictHandler onVerdict) {
    CheckTiming timing = checkTiming(c);
    switch (c.kind) {
        case config::CheckKind::Tcp: {
            auto a = toAsio(c);
            if (!a) return a.error();
            return std::unique_ptr<Checker>(std::make_unique<TcpChecker>(
                ctx.io, c.ident, boost::asio::ip::tcp::endpoint(a.value(), c.port), timing, std::move(onVerdict)));
        }
        case config::CheckKind::Http: {
            auto target = parseHttpUrl(c.url);
            if (!target) return badInput("checker " + c.ident + ": " + target.error().message());
            return std::unique_ptr<Checker>(std::make_unique<HttpChecker>(ctx.io, c.ident, std::move(target.value()),
                                                                          c.expect, timing, std::move(onVerdict)));
        }
        case config::CheckKind::Ping:
            if (!c.addr) return badInput("checker " + c.ident + ": no address");
            return std::unique_ptr<Checker>(
                std::make_unique<PingChecker>(ctx.io, c.ident, *c.addr, timing, std::move(onVerdict)));
        case config::CheckKind::Intf:
            timing.timeout = {};  // a synchronous ioctl
            return std::unique_ptr<Checker>(
                std::make_unique<IntfChecker>(ctx.io, c.ident, c.intf, timing, std::move(onVerdict)));
        case config::CheckKind::Ip:
            if (!c.addr) return badInput("checker " + c.ident + ": no address");
            timing.timeout = {};
            return std::unique_ptr<Checker>(
                std::make_unique<IpChecker>(ctx.io, c.ident, *c.addr, timing, std::move(onVerdict)));
        case config::CheckKind::Custom: {
            if (!ctx.makeRunner) return badInput("checker " + c.ident + ": no script runner");
            ScriptRun program;
            program.path = c.exec.starts_with("/") ? c.exec : ctx.binDir + "/" + c.exec;
            std::istringstream words(c.arg);  // "its arguments (split on spaces)"
            for (std::string w; words >> w;) program.args.push_back(w);
            program.env = ctx.env;
            return std::unique_ptr<Checker>(std::make_unique<CustomChecker>(
                ctx.io, c.ident, std::move(program), ctx.makeRunner(), timing.interval, std::move(onVerdict)));
        }
    }
    return badInput("checker " + c.ident + ": unknown kind");
}

}  // namespace safefarm::app
