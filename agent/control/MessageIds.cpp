#include "control/MessageIds.h"

#include <array>

namespace safefarm::control {

namespace {

#define SAFEFARM_MESSAGE_ROW(id, meaning) MessageInfo{MessageId::id, #id, meaning},
constexpr std::array kTable{SAFEFARM_MESSAGE_IDS(SAFEFARM_MESSAGE_ROW)};
#undef SAFEFARM_MESSAGE_ROW

}  // namespace

std::span<const MessageInfo> messageTable() { return kTable; }

std::string_view messageName(MessageId id) {
    auto i = static_cast<std::size_t>(id);
    return i < kTable.size() ? kTable[i].name : "SF_UNKNOWN";
}

std::optional<MessageId> messageIdFromName(std::string_view name) {
    for (const auto& row : kTable)
        if (row.name == name) return row.id;
    return std::nullopt;
}

}  // namespace safefarm::control
