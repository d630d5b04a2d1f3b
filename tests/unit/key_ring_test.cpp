#include "common/crypto/key_ring.hpp"

#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/crypto/base64url.hpp"
#include "gateway/keys_command.hpp"

namespace gangway {
namespace {

std::string key_b64(char fill) { return base64_encode(std::string(32, fill)); }

TEST(KeyRing, ParsesAKeysFileNewestFirst) {
    const std::string a = key_b64('a');
    const std::string b = base64url_encode(std::string(32, 'b'));
    auto r = parse_key_ring("# comment\n\nk2 " + a + "\r\nk1\t" + b + "\n");
    ASSERT_TRUE(r.ring) << r.errors.front();
    EXPECT_TRUE(r.errors.empty());
    EXPECT_EQ(r.ring->size(), 2u);
    EXPECT_EQ(r.ring->newest().id, "k2");
    EXPECT_EQ(r.ring->newest().bytes[31], 'a');
    ASSERT_NE(r.ring->find("k1"), nullptr);
    EXPECT_EQ(r.ring->find("k1")->bytes[0], 'b');
    EXPECT_EQ(r.ring->find("k3"), nullptr);
    EXPECT_EQ(r.ring->find(""), nullptr);
}

struct line_case {
    const char* what;
    std::string line;
    const char* error;  // nullptr: the line is a good key line
};

TEST(KeyRing, JudgesEachKeyLine) {
    const std::string key = key_b64('k');
    const std::string unpadded = key.substr(0, key.find('='));
    const std::vector<line_case> cases = {
        {"standard alphabet, padded", "k1 " + key, nullptr},
        {"url alphabet, unpadded", "k1 " + base64url_encode(std::string(32, '\xfb')), nullptr},
        {"standard alphabet, unpadded", "k1 " + unpadded, nullptr},
        {"tabs and trailing spaces", "\tk1 \t " + key + "  \t", nullptr},
        {"id of 32 characters", std::string(32, 'i') + " " + key, nullptr},
        {"id of every allowed kind", "Az09_- " + key, nullptr},
        {"id of 33 characters", std::string(33, 'i') + " " + key,
         "line 1: key id must be 1..32 characters of A-Z a-z 0-9 _ -"},
        {"id with a dot", "k.1 " + key,
         "line 1: key id must be 1..32 characters of A-Z a-z 0-9 _ -"},
        {"no key", "k1", "line 1: expected \"<key id> <base64 key>\""},
        {"no key after the space", "k1   ", "line 1: expected \"<key id> <base64 key>\""},
        {"31-byte key", "k1 " + base64_encode(std::string(31, 'k')),
         "line 1: key must be 32 bytes in base64"},
        {"33-byte key", "k1 " + base64_encode(std::string(33, 'k')),
         "line 1: key must be 32 bytes in base64"},
        {"character outside base64", "k1 " + key.substr(0, 10) + "!" + key.substr(11),
         "line 1: key must be 32 bytes in base64"},
        {"two keys on the line", "k1 " + key + " " + key, "line 1: key must be 32 bytes in base64"},
    };
    for (const auto& c : cases) {
        auto r = parse_key_ring(c.line + "\n");
        if (!c.error) {
            EXPECT_TRUE(r.ring) << c.what << ": " << (r.errors.empty() ? "" : r.errors.front());
            continue;
        }
        EXPECT_FALSE(r.ring) << c.what;
        EXPECT_EQ(r.errors, std::vector<std::string>{c.error}) << c.what;
    }
}

TEST(KeyRing, ReportsEveryBadLineByNumberWithoutKeyMaterial) {
    const std::string short_key = base64_encode("secret-material-too-short");
    const std::string dup_first = key_b64('y');
    const std::string dup_second = key_b64('z');
    auto r = parse_key_ring("k1 " + short_key + "\nbad/id " + key_b64('x') + "\nonlyid\nk1 " +
                            dup_first + "\nk1 " + dup_second + "\n");
    EXPECT_FALSE(r.ring);
    ASSERT_EQ(r.errors.size(), 4u);
    EXPECT_EQ(r.errors[0], "line 1: key must be 32 bytes in base64");
    EXPECT_EQ(r.errors[1], "line 2: key id must be 1..32 characters of A-Z a-z 0-9 _ -");
    EXPECT_EQ(r.errors[2], "line 3: expected \"<key id> <base64 key>\"");
    EXPECT_EQ(r.errors[3], "line 5: duplicate key id k1");
    for (const auto& e : r.errors) {
        EXPECT_EQ(e.find(short_key), std::string::npos) << e;
        EXPECT_EQ(e.find(key_b64('x')), std::string::npos) << e;
        EXPECT_EQ(e.find(dup_second.substr(0, 8)), std::string::npos) << e;
    }
}

TEST(KeyRing, RefusesAFileWithoutKeys) {
    for (const char* text : {"", "\n\n", "# only a comment\n", "   \n\t\n# k1 x\n"})
        EXPECT_EQ(parse_key_ring(text).errors, std::vector<std::string>{"no keys"}) << text;
}

TEST(KeyRing, CountsCommentAndBlankLinesInLineNumbers) {
    auto r = parse_key_ring("# newest first\n\nk2 " + key_b64('a') + "\n\n# old\nk1 nope\n");
    EXPECT_EQ(r.errors, std::vector<std::string>{"line 6: key must be 32 bytes in base64"});
}

class KeyRingFile : public ::testing::Test {
protected:
    std::filesystem::path path_ = std::filesystem::temp_directory_path() /
                                  ("gangway_key_ring_test_" + std::to_string(::getpid()));
    void write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }
    void TearDown() override { std::filesystem::remove(path_); }
};

TEST_F(KeyRingFile, LoadsAKeysFile) {
    write("k2 " + key_b64('2') + "\nk1 " + key_b64('1') + "\n");
    auto r = load_key_ring(path_.string());
    ASSERT_TRUE(r.ring);
    EXPECT_EQ(r.ring->newest().id, "k2");
    EXPECT_EQ(r.ring->find("k1")->bytes[5], '1');
}

TEST_F(KeyRingFile, ErrorsNameTheLineButNotTheKey) {
    const std::string key33 = base64_encode(std::string(33, 's'));
    write("k2 " + key_b64('2') + "\nk1 " + key33 + "\n");
    auto r = load_key_ring(path_.string());
    EXPECT_FALSE(r.ring);
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0], "line 2: key must be 32 bytes in base64");
    EXPECT_EQ(r.errors[0].find(key33.substr(0, 8)), std::string::npos);
}

TEST_F(KeyRingFile, MissingAndOversizedFilesAreRefused) {
    auto missing = load_key_ring(path_.string());
    EXPECT_FALSE(missing.ring);
    ASSERT_EQ(missing.errors.size(), 1u);
    EXPECT_EQ(missing.errors[0], "cannot read " + path_.string());
    write("k1 " + key_b64('1') + "\n" + std::string(70 * 1024, '#') + "\n");
    auto huge = load_key_ring(path_.string());
    EXPECT_FALSE(huge.ring);
    EXPECT_EQ(huge.errors, std::vector<std::string>{"larger than 64 KiB: " + path_.string()});
}

key_ring::key make_key(const char* id, unsigned char fill) {
    key_ring::key k{id, {}};
    k.bytes.fill(fill);
    return k;
}

TEST(KeyRing, ConstructionRefusesEmptyMalformedAndDuplicateIds) {
    EXPECT_THROW(key_ring(std::vector<key_ring::key>{}), std::invalid_argument);
    EXPECT_THROW(key_ring({make_key("", 1)}), std::invalid_argument);
    EXPECT_THROW(key_ring({make_key("has space", 1)}), std::invalid_argument);
    EXPECT_THROW(key_ring({make_key("a", 1), make_key("b", 2), make_key("a", 3)}),
                 std::invalid_argument);
    const key_ring ok({make_key("b", 2), make_key("a", 1)});
    EXPECT_EQ(ok.newest().id, "b");
    EXPECT_EQ(ok.find("a")->bytes[0], 1);
}

TEST(KeysGenerate, PrintsOneLoadableLineWithADatedId) {
    std::ostringstream first;
    std::ostringstream second;
    ::testing::internal::CaptureStderr();
    ASSERT_EQ(run_keys_generate(first, "k"), 0);
    const std::string advice = ::testing::internal::GetCapturedStderr();
    ASSERT_EQ(run_keys_generate(second, "k"), 0);
    EXPECT_NE(first.str(), second.str());

    const std::string line = first.str();
    ASSERT_FALSE(line.empty());
    EXPECT_NE(advice.find("FIRST in the keys file"), std::string::npos);
    EXPECT_EQ(advice.find(line.substr(line.find(' ') + 1, 16)), std::string::npos);  // no key
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char date[16];
    std::strftime(date, sizeof date, "%Y%m%d", &utc);
    EXPECT_TRUE(std::regex_match(
        line, std::regex(std::string("k") + date + "-[0-9a-f]{6} [A-Za-z0-9+/]{43}=\n")))
        << "unexpected shape";

    auto r = parse_key_ring(first.str() + second.str());
    ASSERT_TRUE(r.ring);
    EXPECT_EQ(r.ring->newest().id, line.substr(0, line.find(' ')));
    EXPECT_NE(r.ring->newest().bytes, r.ring->find(second.str().substr(0, line.find(' ')))->bytes);
}

TEST(KeysGenerate, RefusesAPrefixThatMakesABadId) {
    for (const char* prefix : {"eighteen-chars-xxx", "a b", "k/"}) {
        std::ostringstream out;
        ::testing::internal::CaptureStderr();
        EXPECT_EQ(run_keys_generate(out, prefix), 2) << prefix;
        EXPECT_NE(::testing::internal::GetCapturedStderr().find("--id-prefix"), std::string::npos);
        EXPECT_EQ(out.str(), "") << prefix;
    }
    std::ostringstream out;
    EXPECT_EQ(run_keys_generate(out, "seventeen-chars-x"), 0);
    EXPECT_EQ(out.str().find(' '), 17u + 8 + 1 + 6);
}

}  // namespace
}  // namespace gangway
