#include "dataplane/DataPath.h"

namespace safefarm {

const char* reasonName(int reason) {
    switch (static_cast<farm_reason>(reason)) {
        case FARM_R_PASS_OTHER: return "PASS_OTHER";
        case FARM_R_PASS_VLAN: return "PASS_VLAN";
        case FARM_R_ACCEPT_OWNER: return "ACCEPT_OWNER";
        case FARM_R_ACCEPT_FLOW: return "ACCEPT_FLOW";
        case FARM_R_ACCEPT_NEW_FLOW: return "ACCEPT_NEW_FLOW";
        case FARM_R_ACCEPT_DESIGNATED: return "ACCEPT_DESIGNATED";
        case FARM_R_TX_ARP_REPLY: return "TX_ARP_REPLY";
        case FARM_R_TX_NDP_ADVERT: return "TX_NDP_ADVERT";
        case FARM_R_TX_RELAY: return "TX_RELAY";
        case FARM_R_DROP_NOT_OWNER: return "DROP_NOT_OWNER";
        case FARM_R_DROP_NOT_DESIGNATED: return "DROP_NOT_DESIGNATED";
        case FARM_R_DROP_LEASE: return "DROP_LEASE";
        case FARM_R_DROP_NO_EPOCH: return "DROP_NO_EPOCH";
        case FARM_R_DROP_MALFORMED: return "DROP_MALFORMED";
        case FARM_R_DROP_TRANSITION_OLD: return "DROP_TRANSITION_OLD";
        case FARM_R_DROP_TRANSITION_NEW: return "DROP_TRANSITION_NEW";
        case FARM_R_DROP_NOT_RESPONDER: return "DROP_NOT_RESPONDER";
        case FARM_R_DROP_VIP_ANNOUNCE: return "DROP_VIP_ANNOUNCE";
        case FARM_R_DROP_RELAY_LOOP: return "DROP_RELAY_LOOP";
        case FARM_R_DROP_NO_PEER: return "DROP_NO_PEER";
        case FARM_R_MAX: break;
    }
    return "UNKNOWN";
}

}  // namespace safefarm
