#include "common/CloseOnExec.h"

#include <fcntl.h>

#include <string>

namespace safefarm {

Result<void> setCloseOnExec(int fd) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0)
        return osError(errno, "setting close-on-exec on descriptor " + std::to_string(fd));
    return success();
}

}  // namespace safefarm
