// A Checker the test drives: it reports the verdicts the test gives it, and
// only while started, as a real one would.
#pragma once

#include <string>
#include <utility>

#include "app/Checker.h"

namespace safefarm::test {

class FakeChecker : public app::Checker {
public:
    FakeChecker(std::string ident, app::VerdictHandler onVerdict)
        : ident_(std::move(ident)), onVerdict_(std::move(onVerdict)) {}

    void start() override {
        started = true;
        starts++;
    }
    void stop() override {
        started = false;
        stops++;
    }
    const std::string& ident() const override { return ident_; }

    // Reports a verdict; ignored while stopped. False when ignored.
    bool report(bool ok, std::string detail = {}) {
        if (!started) return false;
        onVerdict_(app::CheckVerdict{ident_, ok, std::move(detail)});
        return true;
    }

    bool started = false;
    int starts = 0;
    int stops = 0;

private:
    std::string ident_;
    app::VerdictHandler onVerdict_;
};

}  // namespace safefarm::test
