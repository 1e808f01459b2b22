#include "control/ModuleLog.h"

#include <spdlog/logger.h>
#include <spdlog/sinks/rotating_file_sink.h>

#include <cstdio>
#include <filesystem>

#include "common/FileModes.h"
#include "common/OneLine.h"
#include "control/JournalSink.h"
#include "control/Tail.h"

namespace safefarm::control {

namespace fs = std::filesystem;

Level levelFromLetter(char letter) {
    switch (letter) {
        case 'D': return Level::Debug;
        case 'W': return Level::Warn;
        case 'E': return Level::Error;
        default: return Level::Info;
    }
}

MessageId userMessageId(Level level) {
    switch (level) {
        case Level::Warn: return MessageId::SF_USER_WARN;
        case Level::Error: return MessageId::SF_USER_ERROR;
        default: return MessageId::SF_USER_INFO;
    }
}

namespace {

spdlog::level::level_enum toSpdlog(Level level) {
    switch (level) {
        case Level::Debug: return spdlog::level::debug;
        case Level::Info: return spdlog::level::info;
        case Level::Warn: return spdlog::level::warn;
        case Level::Error: return spdlog::level::err;
    }
    return spdlog::level::info;
}

// spdlog names the rotated files module.1.log, module.2.log, ...
std::string rotatedPath(const std::string& path, std::size_t index) {
    fs::path p(path);
    return (p.parent_path() / (p.stem().string() + "." + std::to_string(index) + p.extension().string())).string();
}

}  // namespace

Result<std::unique_ptr<ModuleLog>> ModuleLog::open(ModuleLogOptions options) {
    if (options.module.empty() || options.module.find('/') != std::string::npos || options.module == "." ||
        options.module == "..")
        return badInput("bad module name '" + options.module + "' for its log");
    fs::path dir = fs::path(options.logDir) / options.module;
    if (auto made = files::makeFolders(dir.string()); !made) return made.error();
    // An existing folder (an older safed made it 0755) is brought in line too.
    if (auto set = files::setMode(dir.string(), files::kFolderMode); !set) return set.error();
    std::string path = (dir / "module.log").string();

    // spdlog opens with fopen (0666 less the umask), at start and at each
    // rotation: the mode is set on every file it opens.
    spdlog::file_event_handlers modes;
    modes.after_open = [](const spdlog::filename_t&, std::FILE* f) {
        (void)files::setMode(::fileno(f), files::kFileMode);
    };
    std::vector<spdlog::sink_ptr> sinks;
    try {
        sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
            path, options.maxFileBytes, options.maxFiles, /*rotate_on_open=*/false, modes));
    } catch (const spdlog::spdlog_ex& e) {
        return badInput(std::string("opening the module log: ") + e.what());
    }
    bool journal = options.journal && JournalSink::available();
    if (journal) sinks.push_back(std::make_shared<JournalSink>(options.module));

    // Not registered in spdlog's global registry: two logs of one module (a
    // reload, a test) must not collide on the name.
    auto logger = std::make_shared<spdlog::logger>("module." + options.module, sinks.begin(), sinks.end());
    // The file carries its own timestamp and level; journald adds its own.
    sinks.front()->set_pattern("%Y-%m-%d %H:%M:%S.%e %L %v");
    logger->set_level(spdlog::level::debug);
    // Low volume and read live by `safectl logs -f`: never sit in a buffer.
    logger->flush_on(spdlog::level::debug);
    return std::unique_ptr<ModuleLog>(new ModuleLog(std::move(options), std::move(path), std::move(logger), journal));
}

ModuleLog::ModuleLog(ModuleLogOptions options, std::string path, std::shared_ptr<spdlog::logger> logger, bool journal)
    : options_(std::move(options)), path_(std::move(path)), logger_(std::move(logger)), journal_(journal) {}

ModuleLog::~ModuleLog() = default;

// One entry, one line, whatever the text holds (docs/messages.md; an
// operator's `print` forged SF_COMMAND lines with a newline).
void ModuleLog::log(Level level, MessageId id, std::string_view text) {
    logger_->log(toSpdlog(level), "{} {}", messageName(id), oneLine(text));
}

std::vector<std::string> ModuleLog::tail(std::size_t n) const {
    TailOptions options;
    for (std::size_t i = 1; i <= options_.maxFiles; ++i) options.older.push_back(rotatedPath(path_, i));
    auto tail = lastLines(path_, n, options);
    return tail ? std::move(tail.value().lines) : std::vector<std::string>{};
}

}  // namespace safefarm::control
