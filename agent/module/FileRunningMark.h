// The running mark as a file in the module's var folder (<varDir>/running),
// holding the arp_announce value to restore.
#pragma once

#include "module/RunningMark.h"

namespace safefarm::module {

class FileRunningMark : public RunningMark {
public:
    explicit FileRunningMark(std::string path) : path_(std::move(path)) {}
    bool present() const override;
    std::string arpAnnounce() const override;
    void set(const std::string& arpAnnounce) override;
    void clear() override;

private:
    std::string path_;
};

}  // namespace safefarm::module
