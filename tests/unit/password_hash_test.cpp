#include "common/auth/password_hash.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace gangway {
namespace {

using namespace std::string_literals;

// Vectors, and where they come from (none was produced by the code under test):
//   bcrypt  Openwall crypt_blowfish's wrapper.c test vectors ("U*U" family, the 72-byte one,
//           the empty password, the $2y$ "\xa3" one); the "correct horse" ones made with
//           python3's crypt module at authoring time.
//   pbkdf2  RFC 7914 section 11 (PBKDF2-HMAC-SHA-256, P="passwd", S="salt", c=1: the first 32
//           bytes of its 64-byte output), the others made with python3's hashlib in Django's
//           format ("pbkdf2_sha256$%d$%s$%s" % (iterations, salt, b64encode(dk))).
//   argon2  the reference implementation's test.c encoded vectors ("password"/"somesalt"),
//           and a few made with argon2*_hash_encoded at authoring time.
constexpr const char* horse = "correct horse battery staple";

struct verify_case {
    const char* name;
    std::string password;
    std::string stored;
    verify_result expected;
};

class PasswordVerifyTable : public ::testing::TestWithParam<verify_case> {};

TEST_P(PasswordVerifyTable, VerifiesAsExpected) {
    const verify_limits limits;
    EXPECT_EQ(verify_password(GetParam().password, GetParam().stored, limits), GetParam().expected);
}

const std::string openwall_72 =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are "
    "ignored";
const std::string rfc7914 = "pbkdf2_sha256$1$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=";
const std::string lib_argon2i =
    "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$wWKIMhR9lyDFvRz9YTZweHKfbftvj+qf+YFY4NeBbtA";
const std::string lib_argon2id =
    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
const std::string small_argon2i =
    "$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8";
const std::string small_argon2id =
    "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4";
const std::string lanes2_argon2i =
    "$argon2i$v=19$m=256,t=2,p=2$c29tZXNhbHQ$T/XOJ2mh1/TIpJHfCdQan76Q5esCFVoT5MAeIM1Oq2E";
const std::string horse_bcrypt = "$2b$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG";

const verify_case verify_cases[] = {
    // ---- bcrypt: known vectors, both ways
    {"BcryptOpenwallUU", "U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
     verify_result::match},
    {"BcryptOpenwallUUStar", "U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK",
     verify_result::match},
    {"BcryptOpenwallUUU", "U*U*U", "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a",
     verify_result::match},
    {"BcryptOpenwallWrongVector", "U*U*",
     "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", verify_result::mismatch},
    {"BcryptEmptyPasswordMatches", "",
     "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy", verify_result::match},
    {"BcryptEmptyPasswordMismatch", "",
     "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", verify_result::mismatch},
    {"BcryptSeventyTwoBytes", openwall_72,
     "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", verify_result::match},
    // bcrypt's definition: only the first 72 bytes count.
    {"BcryptIgnoresBytesAfter72", openwall_72.substr(0, 72) + "something else",
     "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", verify_result::match},
    // Past libxcrypt's own 512-byte phrase limit, still under our 1024-byte cap.
    {"BcryptLongPasswordStillVerified", openwall_72.substr(0, 72) + std::string(900, 'z'),
     "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", verify_result::match},
    {"Bcrypt71BytesDoNotMatch72", openwall_72.substr(0, 71),
     "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", verify_result::mismatch},
    {"Bcrypt2yHighBitByte", "\xa3", "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq",
     verify_result::match},
    {"Bcrypt2bMatch", horse, horse_bcrypt, verify_result::match},
    {"Bcrypt2bMismatch", "correct horse battery stapl", horse_bcrypt, verify_result::mismatch},
    {"Bcrypt2bCaseMatters", "Correct horse battery staple", horse_bcrypt, verify_result::mismatch},
    // The 22nd salt character only contributes 2 bits; 'v' decodes like the canonical 'u'.
    {"BcryptNonCanonicalSaltTail", horse,
     "$2b$04$abcdefghijklmnopqrstuv7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG", verify_result::match},
    {"BcryptDifferentSaltMismatch", horse,
     "$2b$04$abcdefghijklmnopqrstu.7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG", verify_result::mismatch},
    {"Bcrypt2yMatch", horse, "$2y$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",
     verify_result::match},
    {"BcryptCost6Match", horse, "$2b$06$abcdefghijklmnopqrstuu10cNU3mXRamSUZYs8I8M/Szu..qXq5K",
     verify_result::match},
    {"BcryptDjangoPrefix", horse, "bcrypt$" + horse_bcrypt, verify_result::match},
    {"BcryptDjangoPrefixMismatch", "nope", "bcrypt$" + horse_bcrypt, verify_result::mismatch},
    // A NUL ends a C string: "correct horse battery staple\0x" must not pass as its prefix.
    {"BcryptNulInPasswordNeverMatches", horse + "\0tail"s, horse_bcrypt, verify_result::mismatch},
    {"BcryptNulAtStart", "\0"s, "$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy",
     verify_result::mismatch},
    // ---- bcrypt: malformed shapes
    {"Bcrypt2xRefused", horse, "$2x$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",
     verify_result::refused},
    {"BcryptTruncated", horse, horse_bcrypt.substr(0, 59), verify_result::refused},
    {"BcryptTooLong", horse, horse_bcrypt + "A", verify_result::refused},
    {"BcryptOnlyPrefix", horse, "$2b$", verify_result::refused},
    {"BcryptCostMissing", horse, "$2b$$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",
     verify_result::refused},
    {"BcryptCostNonNumeric", horse, "$2b$1x$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",
     verify_result::refused},
    {"BcryptCostSign", horse, "$2b$+4$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",
     verify_result::refused},
    {"BcryptCostOneDigit", horse, "$2b$4$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG9",
     verify_result::refused},
    {"BcryptCost3", horse, "$2b$03$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",
     verify_result::refused},
    {"BcryptCost32", horse, "$2b$32$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",
     verify_result::refused},
    {"BcryptCost31OverLimit", horse, "$2b$31$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",
     verify_result::refused},
    {"BcryptCost15OverDefaultLimit", horse,
     "$2b$15$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG", verify_result::refused},
    {"BcryptBadSeparator", horse, "$2b$04xabcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",
     verify_result::refused},
    {"BcryptCharOutsideAlphabet", horse,
     "$2b$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7+Lah/6CG", verify_result::refused},
    {"BcryptDollarInSalt", horse, "$2b$04$abcdefghijklmnopqrst$u7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",
     verify_result::refused},
    {"BcryptNulInStored", horse,
     "$2b$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah\0"s
     "6CG",
     verify_result::refused},
    // ---- Django pbkdf2_sha256
    {"Pbkdf2Rfc7914Match", "passwd", rfc7914, verify_result::match},
    {"Pbkdf2Rfc7914Mismatch", "passwe", rfc7914, verify_result::mismatch},
    {"Pbkdf2Django260000Match", horse,
     "pbkdf2_sha256$260000$Hj3kL9mN0pQr2sT4uV6w$ruMUuOfnDl0ZFuD0OMn8TuzVvsTgRX4itayE5dyeZA4=",
     verify_result::match},
    {"Pbkdf2Django260000Mismatch", "correct horse battery staplf",
     "pbkdf2_sha256$260000$Hj3kL9mN0pQr2sT4uV6w$ruMUuOfnDl0ZFuD0OMn8TuzVvsTgRX4itayE5dyeZA4=",
     verify_result::mismatch},
    {"Pbkdf2Utf8Password", "l\xc3\xa8tmein",
     "pbkdf2_sha256$1000$seasalt$JgZryXe2Ga8ysg6XbzkLpTdyPQrHqsinbL9BnnhgX4A=",
     verify_result::match},
    {"Pbkdf2Latin1IsNotUtf8", "l\xe8tmein",
     "pbkdf2_sha256$1000$seasalt$JgZryXe2Ga8ysg6XbzkLpTdyPQrHqsinbL9BnnhgX4A=",
     verify_result::mismatch},
    {"Pbkdf2EmptyPasswordMatches", "",
     "pbkdf2_sha256$1000$emptysalt$Th/GgYSDV3N4Zpkx3TpFlR/PPyCUSrZ7QQFwKxyd/oo=",
     verify_result::match},
    {"Pbkdf2EmptyPasswordMismatch", "", rfc7914, verify_result::mismatch},
    {"Pbkdf2NulBytesAreHashed", "a\0b"s,
     "pbkdf2_sha256$1000$nulsalt$Ek9QG2x0CQr95ay0Jxf3NZpfFL0uS3QijUVw1xWmGqI=",
     verify_result::match},
    {"Pbkdf2NulPrefixDoesNotMatch", "a",
     "pbkdf2_sha256$1000$nulsalt$Ek9QG2x0CQr95ay0Jxf3NZpfFL0uS3QijUVw1xWmGqI=",
     verify_result::mismatch},
    {"Pbkdf2WrongSalt", "passwd",
     "pbkdf2_sha256$1$SALT$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=", verify_result::mismatch},
    {"Pbkdf2WrongIterations", "passwd",
     "pbkdf2_sha256$2$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=", verify_result::mismatch},
    // ---- pbkdf2: malformed shapes
    {"Pbkdf2OnlyPrefix", "passwd", "pbkdf2_sha256$", verify_result::refused},
    {"Pbkdf2MissingHash", "passwd", "pbkdf2_sha256$1$salt", verify_result::refused},
    {"Pbkdf2EmptyHash", "passwd", "pbkdf2_sha256$1$salt$", verify_result::refused},
    {"Pbkdf2MissingSalt", "passwd",
     "pbkdf2_sha256$1$$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=", verify_result::refused},
    {"Pbkdf2ExtraField", "passwd", rfc7914 + "$x", verify_result::refused},
    {"Pbkdf2IterationsZero", "passwd",
     "pbkdf2_sha256$0$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=", verify_result::refused},
    {"Pbkdf2IterationsBillion", "passwd",
     "pbkdf2_sha256$1000000000$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
     verify_result::refused},
    {"Pbkdf2IterationsOverflow", "passwd",
     "pbkdf2_sha256$99999999999$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
     verify_result::refused},
    {"Pbkdf2IterationsNegative", "passwd",
     "pbkdf2_sha256$-1$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=", verify_result::refused},
    {"Pbkdf2IterationsLeadingZero", "passwd",
     "pbkdf2_sha256$01$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=", verify_result::refused},
    {"Pbkdf2IterationsNonNumeric", "passwd",
     "pbkdf2_sha256$abc$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=", verify_result::refused},
    {"Pbkdf2IterationsEmpty", "passwd",
     "pbkdf2_sha256$$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=", verify_result::refused},
    {"Pbkdf2BadBase64Char", "passwd",
     "pbkdf2_sha256$1$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrL*=", verify_result::refused},
    {"Pbkdf2UrlAlphabetRefused", "passwd",
     "pbkdf2_sha256$1$salt$VawEblbjCJ_sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=", verify_result::refused},
    {"Pbkdf2MissingPadding", "passwd",
     "pbkdf2_sha256$1$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw", verify_result::refused},
    {"Pbkdf2TruncatedHash", "passwd",
     "pbkdf2_sha256$1$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8IN", verify_result::refused},
    {"Pbkdf2KeyTooShort", "passwd",
     "pbkdf2_sha256$1$salt$VawEblbjCJ/sFpHCJUS2Bw=", verify_result::refused},
    {"Pbkdf2SpaceInSalt", "passwd",
     "pbkdf2_sha256$1$sa lt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=", verify_result::refused},
    {"Pbkdf2Sha1Unknown", "passwd",
     "pbkdf2_sha1$1$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=", verify_result::refused},
    // ---- argon2i / argon2id (PHC strings)
    {"Argon2iReferenceMatch", "password", lib_argon2i, verify_result::match},
    {"Argon2iReferenceMismatch", "passwore", lib_argon2i, verify_result::mismatch},
    {"Argon2idReferenceMatch", "password", lib_argon2id, verify_result::match},
    {"Argon2idReferenceMismatch", "Password", lib_argon2id, verify_result::mismatch},
    {"Argon2iSmallMatch", "password", small_argon2i, verify_result::match},
    {"Argon2idSmallMatch", "password", small_argon2id, verify_result::match},
    {"Argon2iTwoLanesMatch", "password", lanes2_argon2i, verify_result::match},
    {"Argon2idDjangoPrefix", "password", "argon2" + small_argon2id, verify_result::match},
    {"Argon2idDjangoPrefixMismatch", "passw0rd", "argon2" + small_argon2id,
     verify_result::mismatch},
    {"Argon2idEmptyPasswordMatches", "",
     "$argon2id$v=19$m=64,t=1,p=1$CzBVep/E6Q4zWH2ix+wRNg$3asW481kyV2pB2QhlAn59hiyrltoKEoaBPq8+/"
     "hGJ00",
     verify_result::match},
    {"Argon2iEmptyPasswordMatches", "",
     "$argon2i$v=19$m=64,t=1,p=1$CzBVep/E6Q4zWH2ix+wRNg$TJw+b/"
     "5Jj8EjHdxi5sGuZ3dRj6wcSLe5MgUsBCIuroY",
     verify_result::match},
    {"Argon2idEmptyPasswordMismatch", "", small_argon2id, verify_result::mismatch},
    {"Argon2idNulBytesAreHashed", "a\0b"s,
     "$argon2id$v=19$m=64,t=1,p=1$CzBVep/"
     "E6Q4zWH2ix+wRNg$yHtzDZRlfhOAdAuJzeBXTesmAPBIvtJY1MEy2srAeCw",
     verify_result::match},
    {"Argon2idNulPrefixDoesNotMatch", "a",
     "$argon2id$v=19$m=64,t=1,p=1$CzBVep/"
     "E6Q4zWH2ix+wRNg$yHtzDZRlfhOAdAuJzeBXTesmAPBIvtJY1MEy2srAeCw",
     verify_result::mismatch},
    // The variant is part of the hash: an argon2i hash relabelled as argon2id does not verify.
    {"Argon2VariantSwapped", "password",
     "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8",
     verify_result::mismatch},
    // ---- argon2: malformed shapes and absurd parameters
    {"Argon2dUnknown", "password",
     "$argon2d$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8",
     verify_result::refused},
    {"Argon2MissingVersion", "password",
     "$argon2i$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8",
     verify_result::refused},
    {"Argon2UnknownVersion", "password",
     "$argon2i$v=20$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8",
     verify_result::refused},
    {"Argon2ParamsOutOfOrder", "password",
     "$argon2i$v=19$t=2,m=256,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8",
     verify_result::refused},
    {"Argon2MissingParallelism", "password",
     "$argon2i$v=19$m=256,t=2$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8",
     verify_result::refused},
    {"Argon2MemoryBillion", "password",
     "$argon2id$v=19$m=1000000000,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
     verify_result::refused},
    {"Argon2MemoryJustOverLimit", "password",
     "$argon2id$v=19$m=262145,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
     verify_result::refused},
    {"Argon2MemoryBelowEightPerLane", "password",
     "$argon2id$v=19$m=15,t=2,p=2$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
     verify_result::refused},
    {"Argon2MemoryNonNumeric", "password",
     "$argon2id$v=19$m=lots,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
     verify_result::refused},
    {"Argon2TimeZero", "password",
     "$argon2id$v=19$m=256,t=0,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
     verify_result::refused},
    {"Argon2TimeEleven", "password",
     "$argon2id$v=19$m=256,t=11,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
     verify_result::refused},
    {"Argon2ParallelismZero", "password",
     "$argon2id$v=19$m=256,t=2,p=0$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
     verify_result::refused},
    {"Argon2ParallelismNine", "password",
     "$argon2id$v=19$m=256,t=2,p=9$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
     verify_result::refused},
    {"Argon2SaltTooShort", "password",
     "$argon2id$v=19$m=256,t=2,p=1$c2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
     verify_result::refused},
    {"Argon2MissingHash", "password", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ",
     verify_result::refused},
    {"Argon2EmptyHash", "password", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$",
     verify_result::refused},
    {"Argon2HashTooShort", "password", "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$CTE",
     verify_result::refused},
    {"Argon2BadBase64", "password",
     "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRP*c",
     verify_result::refused},
    {"Argon2PaddedBase64", "password",
     "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ=$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4",
     verify_result::refused},
    {"Argon2TrailingField", "password", small_argon2id + "$x", verify_result::refused},
    {"Argon2Truncated", "password", small_argon2id.substr(0, 20), verify_result::refused},
    // ---- shapes of no known scheme
    {"EmptyStored", "password", "", verify_result::refused},
    {"DjangoUnusablePassword", "password", "!XyZ0123456789abcdefghijklmnopqrstuvwxyzABCD",
     verify_result::refused},
    {"PlainText", "password", "password", verify_result::refused},
    {"Md5Crypt", "password", "$1$saltsalt$qjXMvOEW5kPB6gW9f7SGy/", verify_result::refused},
    {"Sha512Crypt", "password",
     "$6$saltsalt$qFmFH.bQmmtXzyBY0s9v7Oicd2z4XSIecDzlB5KiA2/"
     "jctKu9YterLp8wwnSq.qc.eoxqOmSuNp2xS0ktL3nh/",
     verify_result::refused},
    {"DjangoBcryptSha256Unsupported", "password",
     "bcrypt_sha256$$2b$04$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",
     verify_result::refused},
    {"StoredLongerThanCap", "password",
     "pbkdf2_sha256$1$" + std::string(600, 'a') + "$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
     verify_result::refused},
    // ---- password size cap (1024 bytes by default), checked before hashing
    {"PasswordAtCapIsHashed", std::string(1024, 'p'), rfc7914, verify_result::mismatch},
    {"PasswordOverCapRefused", std::string(1025, 'p'), rfc7914, verify_result::refused},
    {"PasswordOverCapRefusedEvenIfBcryptWouldMatch", openwall_72 + std::string(1024, 'x'),
     "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui", verify_result::refused},
};

INSTANTIATE_TEST_SUITE_P(Cases, PasswordVerifyTable, ::testing::ValuesIn(verify_cases),
                         [](const auto& test_case) { return std::string(test_case.param.name); });

struct scheme_case {
    const char* name;
    std::string stored;
    hash_scheme expected;
};

class PasswordSchemeTable : public ::testing::TestWithParam<scheme_case> {};

TEST_P(PasswordSchemeTable, RecognisesPrefix) {
    EXPECT_EQ(scheme_of(GetParam().stored), GetParam().expected);
}

const scheme_case scheme_cases[] = {
    {"Bcrypt2a", "$2a$05$x", hash_scheme::bcrypt},
    {"Bcrypt2b", "$2b$05$x", hash_scheme::bcrypt},
    {"Bcrypt2y", "$2y$05$x", hash_scheme::bcrypt},
    {"Bcrypt2x", "$2x$05$x", hash_scheme::unknown},
    {"BcryptDjango", "bcrypt$$2b$12$x", hash_scheme::bcrypt},
    {"BcryptSha256Django", "bcrypt_sha256$$2b$12$x", hash_scheme::unknown},
    {"Pbkdf2", "pbkdf2_sha256$1$s$h", hash_scheme::pbkdf2_sha256},
    {"Pbkdf2Sha1", "pbkdf2_sha1$1$s$h", hash_scheme::unknown},
    {"Pbkdf2UpperCase", "PBKDF2_SHA256$1$s$h", hash_scheme::unknown},
    {"Argon2id", "$argon2id$v=19$", hash_scheme::argon2id},
    {"Argon2i", "$argon2i$v=19$", hash_scheme::argon2i},
    {"Argon2d", "$argon2d$v=19$", hash_scheme::unknown},
    {"Argon2idDjango", "argon2$argon2id$v=19$", hash_scheme::argon2id},
    {"Argon2iDjango", "argon2$argon2i$v=19$", hash_scheme::argon2i},
    {"Argon2DjangoWithoutDollar", "argon2argon2id$v=19$", hash_scheme::unknown},
    {"Empty", "", hash_scheme::unknown},
    {"Unusable", "!abc", hash_scheme::unknown},
};

INSTANTIATE_TEST_SUITE_P(Cases, PasswordSchemeTable, ::testing::ValuesIn(scheme_cases),
                         [](const auto& test_case) { return std::string(test_case.param.name); });

TEST(PasswordLimits, TighterLimitsRefuseWhatDefaultsAccept) {
    verify_limits tight;
    tight.max_bcrypt_cost = 5;
    tight.max_pbkdf2_iterations = 999;
    tight.max_argon2_memory_kib = 255;
    tight.max_argon2_time = 1;
    tight.max_argon2_parallelism = 1;
    tight.max_password_bytes = 7;
    EXPECT_EQ(verify_password("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                              tight),
              verify_result::match);
    EXPECT_EQ(verify_password(horse, "$2b$06$abcdefghijklmnopqrstuu10cNU3mXRamSUZYs8I8M/Szu..qXq5K",
                              tight),
              verify_result::refused);
    EXPECT_EQ(verify_password("passwd", rfc7914, tight), verify_result::match);
    EXPECT_EQ(verify_password(
                  "l\xc3\xa8tmein",
                  "pbkdf2_sha256$1000$seasalt$JgZryXe2Ga8ysg6XbzkLpTdyPQrHqsinbL9BnnhgX4A=", tight),
              verify_result::refused);
    EXPECT_EQ(verify_password("password", small_argon2id, tight), verify_result::refused);  // m=256
    EXPECT_EQ(verify_password("passwd1", rfc7914, tight), verify_result::mismatch);  // 7 bytes
    EXPECT_EQ(verify_password("passwd12", rfc7914, tight), verify_result::refused);  // 8 bytes
}

// Refusals must not hash: each of these would take seconds to days if it were computed.
// An upper bound on a refusal is safe to time even on a loaded machine, because the
// alternative is orders of magnitude slower.
TEST(PasswordRefusal, AbsurdParametersAreRefusedQuickly) {
    const std::string absurd[] = {
        "$2b$31$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",  // 2^31 rounds: days
        "$2b$20$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG",  // minutes
        "pbkdf2_sha256$1000000000$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",  // minutes
        "pbkdf2_sha256$4294967295$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
        "$argon2id$v=19$m=1000000000,t=2,p=1$c29tZXNhbHQ$"
        "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",  // ~1 TB
        "$argon2id$v=19$m=262144,t=4294967295,p=1$c29tZXNhbHQ$"
        "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
        "$argon2i$v=19$m=262144,t=10,p=16777215$c29tZXNhbHQ$"
        "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
    };
    const verify_limits limits;
    for (const auto& stored : absurd) {
        const auto start = std::chrono::steady_clock::now();
        const auto result = verify_password("password", stored, limits);
        const auto elapsed = std::chrono::steady_clock::now() - start;
        EXPECT_EQ(result, verify_result::refused) << stored;
        EXPECT_LT(elapsed, std::chrono::milliseconds(50)) << stored;
    }
}

TEST(PasswordRefusal, OversizedPasswordIsRefusedBeforeHashing) {
    const std::string huge(10 * 1024 * 1024, 'x');
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(verify_password(
                  huge, "pbkdf2_sha256$2000000$salt$VawEblbjCJ/sFpHCJUS2BflBhSFt3gRl5oudV8INrLw=",
                  verify_limits{}),
              verify_result::refused);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
}

TEST(PasswordDummy, DummyHashesAreWellFormedWithTheirScheme) {
    for (const auto scheme : {hash_scheme::bcrypt, hash_scheme::pbkdf2_sha256,
                              hash_scheme::argon2id, hash_scheme::argon2i}) {
        const auto stored = dummy_stored_hash(scheme);
        EXPECT_EQ(scheme_of(stored), scheme) << hash_scheme_name(scheme);
        // Under the default limits, so dummy_verify spends real hashing time, not a refusal.
        EXPECT_EQ(verify_password("not the dummy password", stored, verify_limits{}),
                  verify_result::mismatch)
            << hash_scheme_name(scheme);
    }
    EXPECT_EQ(dummy_stored_hash(hash_scheme::unknown), dummy_stored_hash(hash_scheme::bcrypt));
}

// Not a timing-equality proof (the login timing test does that end to end), only a guard that
// the dummy really hashes: it must cost a sizeable share of a real verification with the
// same parameters. Minimum of interleaved runs, so a busy neighbour slows both alike.
TEST(PasswordDummy, DummyCostsAboutAsMuchAsARealMismatch) {
    using clock = std::chrono::steady_clock;
    const verify_limits limits;
    const auto real_hash = std::string(dummy_stored_hash(hash_scheme::bcrypt));
    auto best_real = clock::duration::max(), best_dummy = clock::duration::max();
    for (int i = 0; i < 3; ++i) {
        auto start = clock::now();
        (void)verify_password("wrong password", real_hash, limits);
        best_real = std::min(best_real, clock::now() - start);
        start = clock::now();
        dummy_verify("wrong password", hash_scheme::bcrypt, limits);
        best_dummy = std::min(best_dummy, clock::now() - start);
    }
    EXPECT_GT(best_dummy * 2, best_real);
    EXPECT_LT(best_dummy, best_real * 2);
}

// A cost-10 bcrypt is 1024 expensive key setups, tens of milliseconds on any current CPU;
// a refusal is microseconds. 5 ms tells them apart with room to spare (and load only adds).
TEST(PasswordDummy, DummyStillHashesWhenTheRepresentativeIsRefusedOrThePasswordTooLong) {
    using clock = std::chrono::steady_clock;
    const verify_limits limits;
    auto start = clock::now();
    dummy_verify("x", "not a hash at all", limits);  // falls back to the cost-10 dummy
    EXPECT_GT(clock::now() - start, std::chrono::milliseconds(5));
    start = clock::now();
    dummy_verify(std::string(5000, 'x'), hash_scheme::bcrypt, limits);  // hashes the first 1024
    EXPECT_GT(clock::now() - start, std::chrono::milliseconds(5));
    verify_limits tight;  // dummies are ours: verified even when limits would refuse them
    tight.max_bcrypt_cost = 4;
    start = clock::now();
    dummy_verify("x", hash_scheme::bcrypt, tight);
    EXPECT_GT(clock::now() - start, std::chrono::milliseconds(5));
}

TEST(PasswordDummy, RepresentativeHashIsUsedWhenAcceptable) {
    // Cannot observe which hash ran without timing; at least it must not throw or crash, for
    // every scheme and for a representative that the limits refuse.
    const verify_limits limits;
    dummy_verify("pw", small_argon2id, limits);
    dummy_verify("pw", rfc7914, limits);
    dummy_verify("pw", horse_bcrypt, limits);
    dummy_verify("", "$2b$31$abcdefghijklmnopqrstuu7EJV7kdjBBQxyb0HjTh9KS7.Lah/6CG", limits);
}

}  // namespace
}  // namespace gangway
