// The mark a running module leaves for the next safed (DESIGN §4): a safed
// that finds it resumes the module (after a crash, an upgrade) instead of
// leaving it stopped, and restores arp_announce at the stop to the value the
// mark keeps. Injected through ModuleDeps: FileRunningMark in safed, an
// in-memory fake in ModuleTest (which must not write under /var).
#pragma once

#include <string>

namespace safefarm::module {

class RunningMark {
public:
    virtual ~RunningMark() = default;
    virtual bool present() const = 0;
    // arp_announce as it was before the module set it ("0" if the mark
    // says nothing).
    virtual std::string arpAnnounce() const = 0;
    virtual void set(const std::string& arpAnnounce) = 0;
    virtual void clear() = 0;
};

}  // namespace safefarm::module
