#include "safed/Realtime.h"

#include <pthread.h>
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

Result<void> useNormalScheduling() {
    sched_param p{};
    if (int e = pthread_setschedparam(pthread_self(), SCHED_OTHER, &p); e != 0)
        return osError(e, "SCHED_OTHER for safed's transports thread");
    return success();
}

}  // namespace safefarm::safed
