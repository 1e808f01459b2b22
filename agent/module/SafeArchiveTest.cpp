#include "module/SafeArchive.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "PeakMemory.h"
#include "ZipBuilder.h"

#include "ScopedUmask.h"

using namespace safefarm::module;
using namespace safefarm::testing;
namespace fs = std::filesystem;

namespace {

const fs::path kBuild = SAFEFARM_BUILD_DIR;
constexpr uint64_t kMiB = 1u << 20;
// What unpacking may add to the peak resident memory: the inflater's
// window and a 64 KiB chunk, with room to spare. Holding one entry of the
// archives below whole takes 48 MiB or more.
constexpr uint64_t kMemoryBound = 16 * kMiB;

std::string slurp(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

class SafeArchiveTest : public ::testing::Test {
protected:
    void SetUp() override {
        base_ = fs::temp_directory_path() / ("safe-archive-" + std::to_string(getpid()));
        fs::remove_all(base_);
        fs::create_directories(base_);
        dir_ = (base_ / "staging").string();
    }
    void TearDown() override { fs::remove_all(base_); }

    // The message, or "ok".
    std::string unpack(const std::string& zip, const ArchiveLimits& limits = {}) {
        auto r = unpackSafeArchive(zip, dir_, limits);
        return r ? "ok" : r.error().message();
    }
    // Unpacked in a child whose peak memory is measured; `dir_` must be gone after a refusal.
    PeakGrowth unpackMeasured(const std::string& zip, const ArchiveLimits& limits = {}) {
        auto growth = peakGrowthOf([&] { return unpack(zip, limits); });
        EXPECT_TRUE(growth) << "could not measure the peak memory";
        if (growth) RecordProperty("peak_growth_kib", std::to_string(growth->bytes >> 10));
        return growth.value_or(PeakGrowth{UINT64_MAX, "not measured"});
    }

    fs::path base_;
    std::string dir_;
};

}  // namespace

TEST_F(SafeArchiveTest, UnpacksTheBuiltApacheFarmModule) {
    ASSERT_EQ(unpack(slurp(kBuild / "modules/apache_farm.safe")), "ok");
    EXPECT_NE(slurp(fs::path(dir_) / "conf/userconfig.xml").find("<safe>"), std::string::npos);
    EXPECT_EQ(slurp(fs::path(dir_) / "bin/start_both").rfind("#!/bin/sh", 0), 0u);
}

TEST_F(SafeArchiveTest, ExtractsWithExecutableScripts) {
    safefarm::test::ScopedUmask umask(0);  // issue 14: root:safefarm only, whatever the umask
    ASSERT_EQ(unpack(slurp(kBuild / "modules/farm.safe")), "ok");
    struct stat st {};
    ASSERT_EQ(stat((fs::path(dir_) / "bin/start_both").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0750u);
    ASSERT_EQ(stat((fs::path(dir_) / "bin").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0750u);
    ASSERT_EQ(stat((fs::path(dir_) / "conf/userconfig.xml").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    ASSERT_EQ(stat(dir_.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0700u) << "created 0700: nobody else sees it half written";
}

TEST_F(SafeArchiveTest, StoredEntriesAndRefusals) {
    ASSERT_EQ(unpack(zipOf({storedEntry("conf/userconfig.xml", "<safe/>")})), "ok");
    EXPECT_EQ(slurp(fs::path(dir_) / "conf/userconfig.xml"), "<safe/>");
    fs::remove_all(dir_);
    for (const auto& zip : {zipOf({storedEntry("../etc/passwd", "x")}), zipOf({storedEntry("/etc/passwd", "x")}),
                            zipOf({storedEntry("bin/link", "/etc/passwd", 0120777)}),
                            zipOf({storedEntry("conf/a", "x"), storedEntry("conf/a", "y")}),
                            std::string("not a zip at all, just text that is long enough"),
                            zipOf({storedEntry("conf/a", "abc")}).substr(10)}) {
        EXPECT_NE(unpack(zip), "ok");
        EXPECT_FALSE(fs::exists(dir_)) << "a refusal leaves nothing";
    }
    auto other = zipOf({storedEntry("conf/a", "abc")});
    other[8] = 12;  // compression method 12 (bzip2) in the local header
    other[other.find("PK\1\2") + 10] = 12;
    EXPECT_NE(unpack(other).find("compression method 12"), std::string::npos);
    fs::create_directories(dir_);
    EXPECT_NE(unpack(zipOf({storedEntry("conf/a", "x")})), "ok") << "a folder that exists is not ours";
    EXPECT_TRUE(fs::exists(dir_)) << "and is left alone";
}

// The limits on what the archive declares are checked before anything is
// written; each message names the entry and the limit.
TEST_F(SafeArchiveTest, BoundedOnceUnpacked) {
    std::string zip = zipOf({storedEntry("conf/a", std::string(100, 'x'))});
    EXPECT_EQ(unpack(zip, ArchiveLimits{1000, 100, 10}), "ok");
    fs::remove_all(dir_);
    auto total = unpack(zip, ArchiveLimits{1000, 99, 10});
    EXPECT_NE(total.find("once unpacked (at 'conf/a'"), std::string::npos) << total;
    auto entry = unpack(zip, ArchiveLimits{99, 1000, 10});
    EXPECT_NE(entry.find("'conf/a' is larger than 99 bytes (the limit for one entry)"), std::string::npos) << entry;
    auto count = unpack(zip, ArchiveLimits{1000, 1000, 0});
    EXPECT_NE(count.find("1 entries, more than 0"), std::string::npos) << count;
    EXPECT_FALSE(fs::exists(dir_));
}

// 100:1 for an entry and for the archive (each may reach 1 MiB whatever
// its ratio): our modules are at 2.2:1.
TEST_F(SafeArchiveTest, CompressionRatioIsBoundedPerEntryAndForTheArchive) {
    auto one = unpack(zipOf({deflatedEntry("conf/blank", "", 2 * kMiB)}));
    EXPECT_NE(one.find("'conf/blank' inflates more than 100:1"), std::string::npos) << one;
    EXPECT_FALSE(fs::exists(dir_));
    EXPECT_EQ(unpack(zipOf({deflatedEntry("conf/blank", "", kMiB)})), "ok") << "1 MiB whatever the ratio";
    fs::remove_all(dir_);
    std::vector<ZipEntry> many;  // each within its floor, together 8 MiB from 9 KB
    for (int i = 0; i < 8; i++) many.push_back(deflatedEntry("conf/blank" + std::to_string(i), "", kMiB));
    auto all = unpack(zipOf(many));
    EXPECT_NE(all.find("the archive inflates more than 100:1"), std::string::npos) << all;
    EXPECT_NE(all.find("conf/blank"), std::string::npos) << all;
    EXPECT_FALSE(fs::exists(dir_));
}

// Issue 14's bomb: 66 KB whose central directory names one deflated 64 MiB
// entry four times (256 MiB, within the entry and total limits). Refused,
// and nothing near an entry's size is ever held.
TEST_F(SafeArchiveTest, AZipBombIsRefusedWithoutBeingHeld) {
    std::string bomb = zipOf({deflatedEntry("conf/bomb", "", 64 * kMiB)}, {0, 0, 0, 0});
    ASSERT_LT(bomb.size(), 70'000u);
    auto growth = unpackMeasured(bomb);
    EXPECT_NE(growth.answer.find("'conf/bomb' inflates more than 100:1"), std::string::npos) << growth.answer;
    EXPECT_LT(growth.bytes, kMemoryBound) << "peak memory grew " << (growth.bytes >> 20) << " MiB";
    EXPECT_FALSE(fs::exists(dir_));
}

// What an entry inflates to goes to disk 64 KiB at a time: a 48 MiB entry
// (the ratio limit lifted for it) leaves memory as it was.
TEST_F(SafeArchiveTest, EntriesStreamToDiskNotThroughMemory) {
    ArchiveLimits limits;
    limits.ratio = 100000;
    auto growth = unpackMeasured(zipOf({deflatedEntry("bin/big", "#!/bin/sh\n", 48 * kMiB)}), limits);
    EXPECT_EQ(growth.answer, "ok");
    EXPECT_LT(growth.bytes, kMemoryBound) << "peak memory grew " << (growth.bytes >> 20) << " MiB";
    EXPECT_EQ(fs::file_size(fs::path(dir_) / "bin/big"), 48 * kMiB + 10);
}

// The sizes a header declares are not trusted: the bytes stop at the first
// one past the declared size, which passed the limits.
TEST_F(SafeArchiveTest, ADeclaredSizeLieStopsAtTheDeclaredSize) {
    auto small = deflatedEntry("conf/liar", "", 64 * kMiB);
    small.size = 1024;
    auto growthSmall = unpackMeasured(zipOf({small}));
    EXPECT_NE(growthSmall.answer.find("'conf/liar' inflates past the 1024 bytes it declares"), std::string::npos)
        << growthSmall.answer;
    EXPECT_FALSE(fs::exists(dir_));

    // Within every limit as declared (the ratio lifted): 48 MiB, inflating to 64.
    auto large = deflatedEntry("conf/liar", "", 64 * kMiB);
    large.size = 48 * kMiB;
    ArchiveLimits limits;
    limits.ratio = 100000;
    auto growthLarge = unpackMeasured(zipOf({large}), limits);
    EXPECT_NE(growthLarge.answer.find("'conf/liar' inflates past the 50331648 bytes it declares"), std::string::npos)
        << growthLarge.answer;
    EXPECT_LT(growthLarge.bytes, kMemoryBound) << "peak memory grew " << (growthLarge.bytes >> 20) << " MiB";
    EXPECT_FALSE(fs::exists(dir_));

    auto shorter = deflatedEntry("conf/short", "abc");
    shorter.size = 10;
    EXPECT_NE(unpack(zipOf({shorter})).find("fewer than the 10 it declares"), std::string::npos);
}
