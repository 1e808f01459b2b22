#include "safed/InstallCommand.h"

#include <filesystem>

namespace safefarm::safed {

namespace fs = std::filesystem;
using control::Reply;

namespace {

bool validModuleName(const std::string& name) {
    return !name.empty() &&
           name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
               std::string::npos;
}

}  // namespace

void InstallCommand::registerIn(control::CommandRegistry& registry) {
    static const CommandRow<InstallCommand> rows[] = {
        {"module-install", "install NAME.safe (args.file) into the modules folder", Target::None,
         &InstallCommand::install},
    };
    addCommands<InstallCommand>(registry, *this, store_, rows);
}

void InstallCommand::install(const std::string&, const control::Request& r, const control::Responder& respond) {
    fs::path file = r.args.value("file", std::string());
    std::string name = file.stem().string();
    if (file.extension() != ".safe" || !validModuleName(name))
        return respond(Reply::error(file.string() + ": expected NAME.safe (NAME: letters, digits, _ and -)"));
    // Answers on the transports' thread, wherever the step ran.
    auto answer = [this, respond](Reply reply) {
        threads_.transports([respond, reply = std::move(reply)] { respond(reply); });
    };
    Reply busy = Reply::error(name + " is running: stop it before installing it again");
    threads_.modules([=, this] {
        if (modules_.busy(name)) return answer(busy);
        threads_.transports([=, this] {
            auto staged = store_.stage(file.string(), name);
            if (!staged) return answer(Reply::error(staged.error().message()));
            threads_.modules([=, this, staged = staged.value()] {
                if (modules_.busy(name)) {  // started while it unpacked
                    store_.discard(staged);
                    return answer(busy);
                }
                if (auto replaced = store_.replace(staged, name); !replaced)
                    return answer(Reply::error("installing " + name + ": " + replaced.error().message()));
                modules_.forget(name);  // the next start reads the new configuration
                answer(Reply::success(name + " installed in " + store_.dir(name)));
            });
        });
    });
}

}  // namespace safefarm::safed
