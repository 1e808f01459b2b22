// The modes of what safed and safectl write under /etc/safefarm,
// /var/lib/safefarm and /var/log/safefarm (issue 14): root and the group
// `safefarm` read, nobody else. Configuration holds the module's scripts
// and the farm's layout, logs hold what the scripts print: the HTTP API
// already treats userconfig as admin-only, the files must not be looser.
//
// Every creation sets its mode explicitly (fchmod after open, chmod after
// mkdir), whatever the umask. safed does NOT set a umask of its own: the
// module's scripts, and the application they start (Apache), inherit it
// through posix_spawn, which cannot reset it; the files the application
// writes are the module's business, not ours. The folders being 0750 is
// the second lock: a file forgotten here is still out of others' reach.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/Result.h"

namespace safefarm::files {

inline constexpr mode_t kFolderMode = 0750;  // root:safefarm rwxr-x---
inline constexpr mode_t kFileMode = 0640;    // root:safefarm rw-r-----
inline constexpr mode_t kScriptMode = 0750;  // a module's bin/: root runs it
inline constexpr mode_t kSecretMode = 0600;  // cluster.key, users.json, tls/api.key: root only
inline constexpr const char* kGroupName = "safefarm";

// The group's id; nullopt when it does not exist (an install not made by
// the package): files then keep root's group.
std::optional<gid_t> farmGroup();

// The mode, whatever the umask and whatever the file had before, and the
// group when the mode gives the group anything (a secret keeps root's).
Result<void> setMode(int fd, mode_t mode, std::optional<gid_t> group = farmGroup());
Result<void> setMode(const std::string& path, mode_t mode, std::optional<gid_t> group = farmGroup());

// mkdir -p: each folder it creates gets `mode` and the group; folders that
// exist keep theirs (/var/log is not ours).
Result<void> makeFolders(const std::string& path, mode_t mode = kFolderMode, std::optional<gid_t> group = farmGroup());

// open(path, flags | O_CREAT | O_CLOEXEC), then setMode: a descriptor, or
// the error (nothing left open).
Result<int> createFile(const std::string& path, int flags, mode_t mode, std::optional<gid_t> group = farmGroup());

// path holds exactly text, on disk (fsync), with the mode and the group.
Result<void> writeFile(const std::string& path, std::string_view text, mode_t mode,
                       std::optional<gid_t> group = farmGroup());

// writeFile to path.tmp, renamed over path, the folder synced: a reader
// sees the old text or the new, never half.
Result<void> replaceFile(const std::string& path, std::string_view text, mode_t mode,
                         std::optional<gid_t> group = farmGroup());

}  // namespace safefarm::files
