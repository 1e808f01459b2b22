#include "module/SafeArchive.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ScopedUmask.h"

using namespace safefarm::module;

namespace {

const std::filesystem::path kBuild = SAFEFARM_BUILD_DIR;

std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// A stored (uncompressed) zip with one entry, built by hand.
std::string storedZip(const std::string& name, const std::string& data) {
    auto u16 = [](uint32_t v) { return std::string{char(v & 0xff), char(v >> 8 & 0xff)}; };
    auto u32 = [&](uint32_t v) { return u16(v & 0xffff) + u16(v >> 16); };
    std::string local = u32(0x04034b50) + u16(10) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) + u32(data.size()) +
                        u32(data.size()) + u16(name.size()) + u16(0) + name + data;
    std::string central = u32(0x02014b50) + u16(0x031e) + u16(10) + u16(0) + u16(0) + u16(0) + u16(0) + u32(0) +
                          u32(data.size()) + u32(data.size()) + u16(name.size()) + u16(0) + u16(0) + u16(0) + u16(0) +
                          u32(0100644u << 16) + u32(0) + name;
    std::string eocd = u32(0x06054b50) + u16(0) + u16(0) + u16(1) + u16(1) + u32(central.size()) + u32(local.size()) +
                       u16(0);
    return local + central + eocd;
}

}  // namespace

TEST(SafeArchiveTest, ReadsTheBuiltApacheFarmModule) {
    auto entries = readSafeArchive(slurp(kBuild / "modules/apache_farm.safe"));
    ASSERT_TRUE(entries.ok()) << entries.error().message();
    bool conf = false, start = false;
    for (const auto& e : entries.value()) {
        if (e.path == "conf/userconfig.xml") conf = e.data.find("<safe>") != std::string::npos;
        if (e.path == "bin/start_both") start = e.data.rfind("#!/bin/sh", 0) == 0;
    }
    EXPECT_TRUE(conf);
    EXPECT_TRUE(start);
}

TEST(SafeArchiveTest, ExtractsWithExecutableScripts) {
    auto entries = readSafeArchive(slurp(kBuild / "modules/farm.safe"));
    ASSERT_TRUE(entries.ok()) << entries.error().message();
    auto dir = std::filesystem::temp_directory_path() / ("safe-extract-" + std::to_string(getpid()));
    safefarm::test::ScopedUmask umask(0);  // issue 14: root:safefarm only, whatever the umask
    ASSERT_TRUE(extractSafeArchive(entries.value(), dir.string()).ok());
    using safefarm::test::modeOf;
    EXPECT_EQ(modeOf(dir.string()), "750");
    EXPECT_EQ(modeOf((dir / "bin").string()), "750");
    EXPECT_EQ(modeOf((dir / "bin/start_both").string()), "750");
    EXPECT_EQ(modeOf((dir / "conf").string()), "750");
    EXPECT_EQ(modeOf((dir / "conf/userconfig.xml").string()), "640");
    std::filesystem::remove_all(dir);
}

TEST(SafeArchiveTest, StoredEntriesAndRefusals) {
    auto ok = readSafeArchive(storedZip("conf/userconfig.xml", "<safe/>"));
    ASSERT_TRUE(ok.ok()) << ok.error().message();
    EXPECT_EQ(ok.value()[0].data, "<safe/>");
    EXPECT_FALSE(readSafeArchive(storedZip("../etc/passwd", "x")).ok());
    EXPECT_FALSE(readSafeArchive(storedZip("/etc/passwd", "x")).ok());
    EXPECT_FALSE(readSafeArchive("not a zip at all, just text that is long enough").ok());
    std::string truncated = storedZip("conf/a", "abc");
    EXPECT_FALSE(readSafeArchive(truncated.substr(10)).ok());
}

// A zip bomb: a small archive whose entries add up past the total bound is
// refused before anything is inflated; too many entries too.
TEST(SafeArchiveTest, BoundedOnceUnpacked) {
    std::string zip = storedZip("conf/a", std::string(100, 'x'));
    EXPECT_TRUE(readSafeArchive(zip, ArchiveLimits{1000, 100, 10}).ok());
    auto total = readSafeArchive(zip, ArchiveLimits{1000, 99, 10});
    ASSERT_FALSE(total.ok());
    EXPECT_NE(total.error().message().find("once unpacked"), std::string::npos) << total.error().message();
    auto entry = readSafeArchive(zip, ArchiveLimits{99, 1000, 10});
    ASSERT_FALSE(entry.ok());
    EXPECT_FALSE(readSafeArchive(zip, ArchiveLimits{1000, 1000, 0}).ok());
}
