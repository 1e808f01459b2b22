// The modules installed on this node, as files (<config>/modules/NAME/):
// what the commands read, check, write, install and remove. An interface,
// so the commands are tested without root against a fake
// (FakeModuleStore.h); DiskModuleStore is the real one. Callable from any
// thread: it holds no state of the modules that run.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/Result.h"
#include "safed/ModuleLoad.h"

namespace safefarm::safed {

class ModuleStore {
public:
    virtual ~ModuleStore() = default;

    // The installed modules, sorted: folders with a conf/userconfig.xml
    // (not the hidden ones an install or a removal leaves for a while).
    virtual std::vector<std::string> list() const = 0;
    virtual std::string folder() const = 0;  // where they are, for messages
    virtual std::string dir(const std::string& module) const = 0;

    // Its files read and checked as far as `scope` (ModuleLoad.h); an edit
    // not yet written is checked in place of its userconfig.xml.
    virtual LoadedModule load(const std::string& module, Scope scope,
                              std::optional<std::string> userconfig = std::nullopt) const = 0;

    // conf/ and bin/ as text ("conf/userconfig.xml" -> text), and written
    // whole or not at all (ConfigFiles.h): the names written.
    virtual std::map<std::string, std::string> readFiles(const std::string& module) const = 0;
    virtual Result<std::vector<std::string>> writeFiles(const std::string& module,
                                                        const std::map<std::string, std::string>& files) = 0;

    // An install in two steps (module/ModuleInstall.h): NAME.safe unpacked
    // beside the modules and checked as `module install` checks it (Scope::
    // AnyNode), then put in place of `module` in one rename. Both return
    // the message the operator reads on an error; stage returns the staged
    // folder, which `discard` removes when it is not put in place.
    virtual Result<std::string> stage(const std::string& file, const std::string& module) = 0;
    virtual Result<void> replace(const std::string& staged, const std::string& module) = 0;
    virtual void discard(const std::string& staged) = 0;

    // A removal in two steps: out of the way at once (one rename, so the
    // module is no longer installed), then deleted, which can take a while.
    virtual Result<std::string> setAside(const std::string& module) = 0;
    virtual void erase(const std::string& setAside) = 0;
};

}  // namespace safefarm::safed
