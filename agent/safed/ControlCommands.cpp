// Commands whose heavy part runs on the transports' thread (docs/design.md
// "Threads"), with only their short checks and their last step queued on
// the modules' thread: the heartbeat never waits for an archive to unpack
// (issue 13: installing a 66 KB zip that expanded to a large module held
// the modules' thread 12 s and the node fenced itself).
#include <boost/asio/post.hpp>

#include <filesystem>

#include "config/ModuleConfig.h"
#include "module/ModuleInstall.h"
#include "safed/Daemon.h"

namespace safefarm::safed {

namespace fs = std::filesystem;
using control::Reply;
using control::Request;
using control::Responder;

namespace {

bool validModuleName(const std::string& name) {
    return !name.empty() &&
           name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == std::string::npos;
}

}  // namespace

void Daemon::onModules(std::function<void()> work) { boost::asio::post(io_, std::move(work)); }
void Daemon::onTransports(std::function<void()> work) { boost::asio::post(controlIo_, std::move(work)); }

void Daemon::registerControlCommands() {
    // NAME.safe unpacked and checked apart (module/ModuleInstall.h: each
    // entry streamed to disk within limits, issue 14), then put in place in
    // one rename: a broken archive or configuration changes nothing; a
    // running module is never replaced under its feet (checked before
    // unpacking and again at the rename, on the modules' thread).
    (void)controlRegistry_.add(
        "module-install", "install NAME.safe (args.file) into the modules folder",
        [this](const Request& r, Responder respond) {
            fs::path file = r.args.value("file", std::string());
            std::string name = file.stem().string();
            if (file.extension() != ".safe" || !validModuleName(name)) {
                respond(Reply::error(file.string() + ": expected NAME.safe (NAME: letters, digits, _ and -)"));
                return;
            }
            // Answers on the transports' thread, wherever the step ran.
            auto answer = [this, respond](Reply reply) {
                onTransports([respond, reply = std::move(reply)] { respond(reply); });
            };
            Reply busy = Reply::error(name + " is running: stop it before installing it again");
            onModules([=, this] {
                if (moduleBusy(name)) return answer(busy);
                onTransports([=, this] {
                    std::string modules = options_.configDir + "/modules";
                    std::string staging = modules + "/." + name + ".new" + std::to_string(++installs_);
                    std::error_code ec;
                    fs::remove_all(staging, ec);  // a crash's leftover
                    auto staged = module::stageModule(file.string(), staging, [&](const std::string& dir) {
                        auto cluster = readCluster();  // read afresh, on this thread
                        config::ParseContext ctx;
                        ctx.cluster = cluster ? cluster.value().get() : nullptr;
                        ctx.moduleDir = dir;
                        auto parsed = config::parseUserConfigFile(dir + "/conf/userconfig.xml", ctx);
                        if (parsed.config) return success();
                        std::string all;
                        for (const auto& e : parsed.errors) all += "\n  " + e.format();
                        return Result<void>(badInput(name + ".safe refused:" + all));
                    });
                    if (!staged) return answer(Reply::error(staged.error().message()));
                    onModules([=, this] {
                        if (moduleBusy(name)) {  // started while it unpacked
                            std::error_code ec2;
                            fs::remove_all(staging, ec2);
                            return answer(busy);
                        }
                        std::string target = modules + "/" + name;
                        if (auto r = module::replaceModule(staging, target); !r)
                            return answer(Reply::error("installing " + name + ": " + r.error().message()));
                        slots_.erase(name);  // the next start reads the new configuration
                        answer(Reply::success(name + " installed in " + target));
                    });
                });
            });
        });
}

}  // namespace safefarm::safed
