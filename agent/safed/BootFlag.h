// Whether a module starts when safed starts (at boot): <service boot> of its
// userconfig.xml, unless `safectl boot on|off` left an override in
// <var-dir>/boot/<module> ("on" or "off", one word). The override lives
// outside the module's folder, so reinstalling or editing the module keeps
// the operator's choice, and package upgrades never touch it.
#pragma once

#include <optional>
#include <string>

namespace safefarm::safed {

// <varDir>/boot/<module>
std::string bootFlagPath(const std::string& varDir, const std::string& module);

// The override of `safectl boot`: true ("on"), false ("off"), nullopt when
// there is none or it cannot be read as either word (then the configuration
// decides: a damaged flag never starts a module the configuration keeps off).
std::optional<bool> readBootFlag(const std::string& varDir, const std::string& module);

// What safed does at start for a module it does not resume: the override if
// there is one, else `configured` (<service boot>).
bool startsAtBoot(const std::string& varDir, const std::string& module, bool configured);

}  // namespace safefarm::safed
