#include "config/FarmDefaults.h"

#include <charconv>
#include <string_view>

#include "config/Vocabulary.h"

namespace safefarm::config {

namespace {

// The table is checked by VocabularyTest: its defaults parse.
std::string_view farmDefault(std::string_view name) { return findAttr("safe/service/farm", name)->def; }

uint32_t number(std::string_view text) {
    uint32_t n = 0;
    std::from_chars(text.data(), text.data() + text.size(), n);
    return n;
}

}  // namespace

FarmTiming defaultFarmTiming() {
    const AttrSpec* pulse = findAttr("safe/service/farm", "pulse");
    return FarmTiming{parseDuration(pulse->def, pulse->unit).value_or(Duration{}), number(farmDefault("slost_count")),
                      number(farmDefault("mlost_count"))};
}

}  // namespace safefarm::config
