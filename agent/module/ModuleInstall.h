// Installing NAME.safe into the modules folder, in two steps: staging (read,
// unpack, check) runs on the transports' thread; only replacing (two
// renames) needs the modules' thread, where safed knows the module is
// stopped (docs/design.md "Threads"). A refused archive changes nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/Result.h"
#include "module/SafeArchive.h"

namespace safefarm::module {

// The .safe file itself: read whole into memory (its entries never are).
constexpr uint64_t kMaxArchiveBytes = 64u << 20;

// Reads `file` (at most kMaxArchiveBytes) and unpacks it into `staging`,
// which must not exist: created 0700, it should sit beside the module's
// folder so that replaceModule is a rename. Then `check` looks at the
// unpacked module; if it agrees, `staging` is made 0755 (the mode of a
// module's folder). On any error `staging` is gone.
Result<void> stageModule(const std::string& file, const std::string& staging,
                         const std::function<Result<void>(const std::string& staging)>& check,
                         const ArchiveLimits& limits = {});

// `staging` takes the place of `target` (which may not exist yet); the old
// module is set aside as .NAME.old beside it and removed once the new one
// is in place, or put back if that fails. On an error `staging` is gone.
Result<void> replaceModule(const std::string& staging, const std::string& target);

}  // namespace safefarm::module
