// The stable ids of the module log's messages (Kea's .mes catalogues), so
// operators can grep and alert on them: `grep SF_CHECK_FAILED module.log`,
// `journalctl SAFEFARM_MESSAGE_ID=SF_MODULE_STATE`. docs/messages.md lists
// the same table; a test keeps the two equal.
//
// The enumerators carry the id's own name, not kPascalCase, so one grep
// finds the id in the code, the docs and the logs alike. Append only: an id
// that is no longer used stays, marked retired in its meaning.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace safefarm::control {

// X(id, meaning): the one table the enum, the names and the docs come from.
#define SAFEFARM_MESSAGE_IDS(X)                                                                                        \
    X(SF_MODULE_STATE, "the module changed state on this node (STOP, WAIT, UP), with the view and why")                \
    X(SF_MODULE_START, "the module was asked to start")                                                                \
    X(SF_MODULE_STOP, "the module was asked to stop (\"forced stop\" with --force)")                                   \
    X(SF_MODULE_START_FAILED, "the module could not start; it stays in STOP")                                          \
    X(SF_MODULE_FAILED, "the module failed while running and stops itself, with why")                                  \
    X(SF_VIEW_COMMITTED, "a new membership view was committed: its id, members and whether it has quorum")             \
    X(SF_NODE_JOINED, "a node joined the farm")                                                                        \
    X(SF_NODE_LOST, "a node left the farm or its heartbeats were lost")                                                \
    X(SF_CHECK_FAILED, "a checker (tcp, http, ping, intf, ip, custom) failed; its action follows")                     \
    X(SF_CHECK_OK, "a checker that had failed succeeds again")                                                         \
    X(SF_ERRD, "a process watched by <errd> is missing or too many; its action follows")                               \
    X(SF_SCRIPT_START, "an application script (start_both, stop_both) was started")                                    \
    X(SF_SCRIPT_END, "an application script ended: its exit code and how long it took")                                \
    X(SF_SCRIPT_FORCED, "stop_both did not finish in nicestoptimeout: stop_both force runs")                           \
    X(SF_MAXLOOP, "the module restarted maxloop times within loop_interval and goes to STOP")                          \
    X(SF_USER_INFO, "a script's own message (printi)")                                                                 \
    X(SF_USER_WARN, "a script's own warning (printw)")                                                                 \
    X(SF_USER_ERROR, "a script's own error (printe)")                                                                  \
    X(SF_NET_VIP, "a virtual address was added, removed or could not be")                                              \
    X(SF_NET_VMAC, "the virtual MAC was set up or removed, or could not be")                                           \
    X(SF_NET_ANNOUNCE, "gratuitous ARP or unsolicited neighbour advertisements for the virtual addresses")             \
    X(SF_DATAPATH, "the XDP filter was attached, updated or removed, or could not be")                                 \
    X(SF_LEASE, "this node's lease on its buckets was renewed again, revoked or expired")                              \
    X(SF_DRAIN, "buckets drain to their new owners, or the drain is over")                                             \
    X(SF_PEER_MAC, "vmac_directed: a peer's MAC, heard from its heartbeats, is where relays to it go")                 \
    X(SF_CONFIG, "the module's configuration was loaded or reloaded, or was refused")                                  \
    X(SF_COMMAND, "an operator's command arrived (safectl, the console): who and what")                                \
    X(SF_PEER_REFUSED,                                                                                                 \
      "a configured peer's heartbeats are refused (another cluster key, wire or bucket algorithm version): once per "  \
      "peer a minute")                                                                                                 \
    X(SF_AGENT_START, "safed serves: its control socket and the modules installed (safed's own line, not a module's)") \
    X(SF_AGENT_START_FAILED,                                                                                           \
      "safed could not start (netlink, the link watch, the control socket or API): why; it exits 1")                   \
    X(SF_AGENT_CONFIG, "cluster.xml was refused when safed started: each error with file:line; it exits 1")            \
    X(SF_AGENT_STOP, "safed stops (SIGTERM, SIGINT); the modules that run keep serving, for the next safed to adopt")  \
    X(SF_AGENT_RESUME,                                                                                                 \
      "safed started: a module the previous safed left running was adopted, or one with boot on started, or could "    \
      "not be")                                                                                                        \
    X(SF_AGENT_API, "the control API and console listen: address, port, HTTPS and its certificate, or plain HTTP")     \
    X(SF_AGENT_USERS, "SIGHUP: the console's users file was read again, or refused (the users stay as they were)")     \
    X(SF_AGENT_SCHEDULING,                                                                                             \
      "a thread of safed runs without its scheduling policy (SCHED_RR for the modules', normal for the transports')")  \
    X(SF_HTTP_LOGIN, "safed's log: a console user logged in or out")                                                   \
    X(SF_HTTP_LOGIN_FAILED,                                                                                            \
      "safed's log: a failed login (wrong name or password, or no room for a session): once per client a period")      \
    X(SF_HTTP_COMMAND,                                                                                                 \
      "safed's log: a command that changes something, or a snapshot, arrived through the API: who, from where or via " \
      "which node")                                                                                                    \
    X(SF_HTTP_PEER_REFUSED,                                                                                            \
      "safed's log: a call from another node was refused (not on the cluster's TLS channel, bad signature, replay): "  \
      "once per sender a period")                                                                                      \
    X(SF_HTTP_FORWARD_FAILED,                                                                                          \
      "safed's log: a command forwarded to another node got no valid answer (unreachable, or not signed with the "     \
      "cluster key)")                                                                                                  \
    X(SF_HTTP_ERROR, "safed's log: a request failed inside safed and was answered 500")

#define SAFEFARM_MESSAGE_ENUMERATOR(id, meaning) id,
enum class MessageId : uint16_t { SAFEFARM_MESSAGE_IDS(SAFEFARM_MESSAGE_ENUMERATOR) };
#undef SAFEFARM_MESSAGE_ENUMERATOR

struct MessageInfo {
    MessageId id;
    std::string_view name;     // "SF_MODULE_STATE"
    std::string_view meaning;  // one line, as in docs/messages.md
};

// Every id, in enum order.
std::span<const MessageInfo> messageTable();
std::string_view messageName(MessageId id);
// For callers that carry ids as text (the module's logger callback).
std::optional<MessageId> messageIdFromName(std::string_view name);

}  // namespace safefarm::control
