// The source tree's root, for tests that read what it holds (docs/,
// samples, modules/): found from this file's own place, tests/support/.
#pragma once

#include <filesystem>

namespace safefarm::test {

inline const std::filesystem::path kRepo = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();

}  // namespace safefarm::test
