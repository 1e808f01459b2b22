#include "safectl/UserCommand.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "http/UserCommand.h"

namespace safefarm::safectl {

namespace {

// Echo off on a terminal for as long as it lives (the password of add).
class NoEcho {
public:
    NoEcho() {
        if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_) != 0) return;
        termios t = saved_;
        t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        active_ = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
        if (active_) std::cerr << "password: " << std::flush;
    }
    ~NoEcho() {
        if (!active_) return;
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
        std::cerr << "\n";
    }
    NoEcho(const NoEcho&) = delete;
    NoEcho& operator=(const NoEcho&) = delete;

private:
    termios saved_{};
    bool active_ = false;
};

}  // namespace

int userCommandFromTerminal(const std::string& usersFile, const std::vector<std::string>& args) {
    if (!args.empty() && args[0] == "add") {
        NoEcho quiet;
        return http::userCommand(usersFile, args, std::cin, std::cout, std::cerr);
    }
    return http::userCommand(usersFile, args, std::cin, std::cout, std::cerr);
}

}  // namespace safefarm::safectl
