// A module::RunningMark in memory: ModuleTest sees what the module marked
// and writes nothing under /var.
#pragma once

#include <optional>
#include <string>

#include "module/RunningMark.h"

namespace safefarm::test {

class FakeRunningMark : public module::RunningMark {
public:
    // The test's view of the mark: nullopt when there is none.
    explicit FakeRunningMark(std::optional<std::string>& value) : value_(value) {}
    bool present() const override { return value_.has_value(); }
    std::string arpAnnounce() const override { return value_ && !value_->empty() ? *value_ : "0"; }
    void set(const std::string& arpAnnounce) override { value_ = arpAnnounce; }
    void clear() override { value_.reset(); }

private:
    std::optional<std::string>& value_;
};

}  // namespace safefarm::test
