// SF_NODE_JOINED / SF_NODE_LOST, what an operator alerts on, from two
// consecutive views: a node in the new view that was not in the previous one
// (or came back as a new incarnation: it restarted), and one that is no
// longer in it (after its drain: it left; otherwise it was no longer heard).
#pragma once

#include "membership/View.h"
#include "module/FarmPlan.h"
#include "module/Logger.h"

namespace safefarm::module {

void logNodeChanges(const membership::View& before, const membership::View& after, const FarmPlan& plan,
                    const Logger& log);

}  // namespace safefarm::module
