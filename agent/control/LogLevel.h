// How serious a module log line is. A header of its own, next to the ids
// (MessageIds.h), so that what writes to the log (the module library) needs
// neither the log itself nor its spdlog and journald.
#pragma once

namespace safefarm::control {

enum class Level { Debug, Info, Warn, Error };

}  // namespace safefarm::control
