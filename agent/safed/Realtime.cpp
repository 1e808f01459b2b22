#include "safed/Realtime.h"

#include <sched.h>

#include <cerrno>
#include <string>

namespace safefarm::safed {

Result<void> useRealtimeScheduling(int priority) {
    if (priority <= 0) return success();
    sched_param p{};
    p.sched_priority = priority;
    if (sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &p) != 0)
        return osError(errno, "SCHED_RR priority " + std::to_string(priority) + " for safed");
    return success();
}

}  // namespace safefarm::safed
