#include "safectl/SnapshotCommand.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "http/ZipArchive.h"

namespace safefarm::safectl {

using namespace std::chrono_literals;

int takeSnapshot(const ClientOptions& options, const SnapshotOptions& snapshot, std::ostream& out, std::ostream& err) {
    auto sent = send(options, {"snapshot", snapshot.module, nlohmann::json::object()}, 30s, err);
    if (sent.exitCode != kExitOk) return sent.exitCode;
    if (!sent.reply.ok()) return printReply(options, sent.reply, out, err);
    const auto& args = sent.reply.arguments;
    if (!args.is_object() || !args.contains("files") || !args["files"].is_object()) {
        err << options.program << ": safed's snapshot has no files\n";
        return kExitError;
    }
    std::string node = field(args, "node", "node");
    std::string top = http::snapshotName(std::chrono::system_clock::now());
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& [name, text] : args["files"].items())
        if (text.is_string()) files.emplace_back(top + "/" + node + "/" + name, text.get<std::string>());
    auto zip = http::makeZip(files);
    if (!zip) {
        err << options.program << ": " << zip.error().message() << "\n";
        return kExitError;
    }
    std::string path = snapshot.output.empty() ? top + "-" + node + ".zip" : snapshot.output;
    // Owner only: a userconfig.xml may hold the scripts' secrets.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const std::string& bytes = zip.value();
    bool ok = fd >= 0 && ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
    int e = errno;
    if (fd >= 0 && ::close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        err << options.program << ": writing " << path << ": " << std::strerror(e) << "\n";
        return kExitError;
    }
    out << path << ": " << files.size() << " files of " << field(args, "module") << " on " << node << ", "
        << bytes.size() << " bytes\n";
    return kExitOk;
}

}  // namespace safefarm::safectl
