// Where a module's logs are (control::ModuleLog, app::AppLog): known
// without opening them, on any thread.
#pragma once

#include <string>

namespace safefarm::safed {

inline std::string moduleLogPath(const std::string& logDir, const std::string& module) {
    return logDir + "/" + module + "/module.log";
}
inline std::string appLogPath(const std::string& logDir, const std::string& module) {
    return logDir + "/" + module + "/application.log";
}

}  // namespace safefarm::safed
