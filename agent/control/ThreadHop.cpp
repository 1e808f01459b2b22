#include "control/ThreadHop.h"

#include <boost/asio/post.hpp>

namespace safefarm::control {

void hopTo(const CommandRegistry& target, boost::asio::any_io_executor targetExec,
           boost::asio::any_io_executor callerExec, CommandRegistry& out) {
    for (const auto& info : target.list()) {
        if (out.has(info.name)) continue;  // list-commands
        (void)out.add(
            info.name, info.help, [&target, targetExec, callerExec](const Request& request, Responder respond) {
                boost::asio::post(targetExec, [&target, callerExec, request, respond] {
                    target.dispatch(request, [callerExec, respond](Reply reply) {
                        boost::asio::post(callerExec,
                                          [respond, reply = std::move(reply)]() mutable { respond(std::move(reply)); });
                    });
                });
            });
    }
}

}  // namespace safefarm::control
