#!/usr/bin/python3
"""Writes tests/vectors/password_hashes.json for tests/unit/password_vectors_test.cpp.

Every stored hash here is made by an implementation that shares no code path with gangway's
verifier (common/auth/password_hash.cpp: libxcrypt, OpenSSL's PBKDF2, libargon2 behind our own
PHC parser), and every password's verdict is decided by at least two of them:

  bcrypt     made by python3-bcrypt (OpenBSD's C code), checked by passlib's pure-Python
             "builtin" bcrypt; Django's BCryptPasswordHasher for "bcrypt$" hashes
  pbkdf2     made by Django's PBKDF2PasswordHasher, checked by passlib's django_pbkdf2_sha256
  argon2     made by argon2-cffi's low-level API and Django's Argon2PasswordHasher, checked by
             argon2-cffi's PasswordHasher and passlib's argon2 / django_argon2 (passlib parses
             the PHC string itself). argon2-cffi calls Debian's libargon2, the library gangway
             uses too: for argon2 the independent part is the string format and parameter
             handling, so published known answers from the reference test suite are included.

Salts come from a fixed seed, so a re-run writes the same file byte for byte (unless a
package version changes, which the "made_with" field records):

    /usr/bin/python3 tests/vectors/make_password_vectors.py      # Debian's python3, see
    git diff --stat tests/vectors/password_hashes.json            # scripts/bootstrap.sh

Passwords are JSON strings, i.e. their UTF-8 bytes; candidates that would not be valid UTF-8
(a cut through a multi-byte character) are left out. The bcrypt ones take about half a minute
(passlib's pure-Python bcrypt).
"""

import hashlib
import json
import os
import sys
import warnings

# Before passlib is imported: its pure-Python bcrypt is off unless asked for.
os.environ["PASSLIB_BUILTIN_BCRYPT"] = "enabled"

import argon2  # noqa: E402  (python3-argon2, argon2-cffi)
import bcrypt  # noqa: E402  (python3-bcrypt)
import django  # noqa: E402  (python3-django)
import passlib  # noqa: E402  (python3-passlib)
import passlib.exc  # noqa: E402
from django.contrib.auth import hashers as django_hashers  # noqa: E402
from passlib import hash as passlib_hash  # noqa: E402
from passlib.utils.binary import bcrypt64  # noqa: E402

# A passlib warning about a hash (say, non-zero padding bits in a salt) is a bug here.
warnings.simplefilter("error", passlib.exc.PasslibWarning)
# Chosen before the checkers below take references to their methods.
passlib_hash.bcrypt.set_backend("builtin")
passlib_hash.argon2.set_backend("argon2_cffi")

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "password_hashes.json")

# Chosen for the edges they exercise; the names end up in the vectors' comments.
PASSWORDS = [
    ("ascii", "correct horse battery staple"),
    ("empty", ""),
    ("latin1 letters (2-byte UTF-8)", "pässwörd-ÜNÏCÖDÉ"),
    ("CJK and emoji (3- and 4-byte UTF-8)", "日本語のパスワード🔑"),
    ("separators of the hash formats", "a$b:c d $$ :: $2y$04$ pbkdf2_sha256$"),
    ("exactly 72 bytes", "Z" * 71 + "!"),
    ("80 bytes: bcrypt reads the first 72", "0123456789abcdef" * 5),
    ("81 bytes, byte 72 inside a character", "x" + "é" * 40),
]


def salt_bytes(label, n):
    """Deterministic salt: reproducible output, and distinct per vector."""
    return hashlib.shake_256(("gangway vectors " + label).encode()).digest(n)


def salt_text(label, n):
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # Django's
    return "".join(alphabet[b % len(alphabet)] for b in salt_bytes(label, n))


def candidates(password):
    """Near misses: one byte changed, a prefix, case changed, one more character."""
    out = []
    if password:
        out.append(password[:-1] + chr(ord(password[-1]) ^ 1))
        out.append(chr(ord(password[0]) ^ 1) + password[1:])
        out.append(password[:-1])
        out.append(password.swapcase())
    else:
        out += ["a", " "]
    out.append(password + "x")
    seen, unique = {password}, []
    for c in out:
        if c not in seen:
            seen.add(c)
            unique.append(c)
    return unique


def classify(stored, password, checkers):
    """Right password must match under every checker; every candidate is sorted into
    also_match / wrong, and the checkers must agree on each."""
    for name, check in checkers:
        if not check(password, stored):
            sys.exit(f"{name} rejects the right password for {stored}")
    also_match, wrong = [], []
    for c in candidates(password):
        verdicts = {name: bool(check(c, stored)) for name, check in checkers}
        if len(set(verdicts.values())) != 1:
            sys.exit(f"checkers disagree on {c!r} for {stored}: {verdicts}")
        (also_match if verdicts[checkers[0][0]] else wrong).append(c)
    if not wrong:
        sys.exit(f"no wrong password for {stored}")
    return also_match, wrong


def vector(scheme, variant, comment, stored, password, made_by, checkers):
    also_match, wrong = classify(stored, password, checkers)
    return {
        "scheme": scheme,
        "variant": variant,
        "comment": comment,
        "made_by": made_by,
        "checked_by": [name for name, _ in checkers],
        "hash": stored,
        "password": password,
        "also_match": also_match,
        "wrong": wrong,
    }


def pyca_check(p, h):
    return bcrypt.checkpw(p.encode(), h.encode())


def argon2_cffi_check(p, h):
    try:
        return argon2.PasswordHasher().verify(h, p.encode())
    except argon2.exceptions.VerifyMismatchError:
        return False


BCRYPT_CHECKERS = [("python3-bcrypt", pyca_check),
                   ("passlib builtin bcrypt", passlib_hash.bcrypt.verify)]
PBKDF2_CHECKERS = [("django PBKDF2PasswordHasher", django_hashers.PBKDF2PasswordHasher().verify),
                   ("passlib django_pbkdf2_sha256", passlib_hash.django_pbkdf2_sha256.verify)]
ARGON2_CHECKERS = [("argon2-cffi PasswordHasher", argon2_cffi_check),
                   ("passlib argon2", passlib_hash.argon2.verify)]
DJANGO_BCRYPT_CHECKERS = [("django BCryptPasswordHasher", django_hashers.BCryptPasswordHasher().verify),
                          ("passlib django_bcrypt", passlib_hash.django_bcrypt.verify)]
DJANGO_ARGON2_CHECKERS = [("django Argon2PasswordHasher", django_hashers.Argon2PasswordHasher().verify),
                          ("passlib django_argon2", passlib_hash.django_argon2.verify)]


def bcrypt_setting(ident, cost, label):
    return f"${ident}${cost:02d}${bcrypt64.encode_bytes(salt_bytes(label, 16)).decode()}"


def bcrypt_vectors():
    out = []
    for ident in ("2a", "2b", "2y"):
        for i, (name, pw) in enumerate(PASSWORDS):
            cost = 4 + i % 3
            setting = bcrypt_setting(ident, cost, f"bcrypt {ident} {i}")
            stored = bcrypt.hashpw(pw.encode(), setting.encode()).decode()
            out.append(vector("bcrypt", ident, f"${ident}$ cost {cost}, {name}", stored, pw,
                              "python3-bcrypt hashpw", BCRYPT_CHECKERS))
    return out


def pbkdf2_vectors():
    hasher = django_hashers.PBKDF2PasswordHasher()
    out = []
    for i, (name, pw) in enumerate(PASSWORDS):
        iterations = (1, 1000, 10000)[i % 3]
        salt = salt_text(f"pbkdf2 {i}", (12, 22)[i % 2])  # Django < 3.1 used 12, later 22
        out.append(vector("pbkdf2_sha256", "django", f"{iterations} iterations, {name}",
                          hasher.encode(pw, salt, iterations), pw,
                          "django PBKDF2PasswordHasher.encode", PBKDF2_CHECKERS))
    # The iteration count Django itself writes (hasher.iterations), not one we chose.
    pw = PASSWORDS[2][1]
    out.append(vector("pbkdf2_sha256", "django",
                      f"Django {django.get_version()}'s default {hasher.iterations} iterations",
                      hasher.encode(pw, salt_text("pbkdf2 default", 22)), pw,
                      "django PBKDF2PasswordHasher.encode", PBKDF2_CHECKERS))
    return out


# (memory KiB, passes, lanes, salt bytes, hash bytes, version)
ARGON2_PARAMS = [(8, 1, 1, 8, 16, 19), (64, 2, 2, 16, 32, 19), (256, 3, 4, 32, 64, 19),
                 (32, 1, 4, 16, 32, 16)]


def argon2_vectors():
    out = []
    for scheme, kind in (("argon2id", argon2.low_level.Type.ID), ("argon2i", argon2.low_level.Type.I)):
        for i, (name, pw) in enumerate(PASSWORDS):
            m, t, p, salt_len, hash_len, version = ARGON2_PARAMS[i % len(ARGON2_PARAMS)]
            stored = argon2.low_level.hash_secret(
                pw.encode(), salt_bytes(f"{scheme} {i}", salt_len), time_cost=t, memory_cost=m,
                parallelism=p, hash_len=hash_len, type=kind, version=version).decode()
            out.append(vector(scheme, "phc",
                              f"v={version} m={m} t={t} p={p}, {salt_len}-byte salt, "
                              f"{hash_len}-byte hash, {name}",
                              stored, pw, "argon2-cffi low_level.hash_secret", ARGON2_CHECKERS))
    return out


class SmallArgon2Hasher(django_hashers.Argon2PasswordHasher):
    """Django's hasher with test-sized costs, the way Django's docs say to change them."""
    time_cost = 1
    memory_cost = 64
    parallelism = 2


def django_prefixed_vectors():
    out = []
    bcrypt_hasher = django_hashers.BCryptPasswordHasher()
    argon2_hasher = SmallArgon2Hasher()
    for i in (0, 1, 3, 4, 6):
        name, pw = PASSWORDS[i]
        setting = bcrypt_setting("2b", 4 + i % 2, f"django bcrypt {i}")
        out.append(vector("bcrypt", "django bcrypt$", f"Django's bcrypt$ prefix, {name}",
                          bcrypt_hasher.encode(pw, setting.encode()), pw,
                          "django BCryptPasswordHasher.encode", DJANGO_BCRYPT_CHECKERS))
        out.append(vector("argon2id", "django argon2", f"Django's argon2 prefix, {name}",
                          argon2_hasher.encode(pw, salt_text(f"django argon2 {i}", 22)), pw,
                          "django Argon2PasswordHasher.encode (m=64,t=1,p=2)",
                          DJANGO_ARGON2_CHECKERS))
    # Django before 3.2 wrote argon2i; Django 3.2 still verifies those rows.
    name, pw = PASSWORDS[2]
    stored = "argon2" + argon2.low_level.hash_secret(
        pw.encode(), salt_text("django argon2i", 22).encode(), time_cost=2, memory_cost=32,
        parallelism=1, hash_len=16, type=argon2.low_level.Type.I).decode()
    out.append(vector("argon2i", "django argon2", f"Django < 3.2's argon2i rows, {name}", stored,
                      pw, "argon2-cffi low_level.hash_secret + Django's prefix",
                      DJANGO_ARGON2_CHECKERS))
    return out


# Published known answers, reproduced here by the generators before they are trusted.
KNOWN_ANSWERS = [
    ("bcrypt", "2a", "crypt_blowfish wrapper.c", "U*U",
     "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
    ("bcrypt", "2a", "crypt_blowfish wrapper.c", "U*U*",
     "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"),
    ("bcrypt", "2a", "crypt_blowfish wrapper.c", "U*U*U",
     "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a"),
    ("argon2i", "phc", "phc-winner-argon2 src/test.c", "password",
     "$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$iekCn0Y3spW+sCcFanM2xBT63UP2sghkUoHLIUpWRS8"),
    ("argon2i", "phc", "phc-winner-argon2 src/test.c", "password",
     "$argon2i$v=19$m=256,t=2,p=2$c29tZXNhbHQ$T/XOJ2mh1/TIpJHfCdQan76Q5esCFVoT5MAeIM1Oq2E"),
    # test.c's version 1.0 answer, written there without "v="; libargon2 reads "v=16" the same.
    ("argon2i", "phc", "phc-winner-argon2 src/test.c (v=16 made explicit)", "password",
     "$argon2i$v=16$m=256,t=2,p=1$c29tZXNhbHQ$/U3YPXYsSb3q9XxHvc0MLxur+GP960kN9j7emXX8zwY"),
    # PBKDF2-HMAC-SHA256("password", "salt", c, dkLen 32), the widely published answers.
    ("pbkdf2_sha256", "django", "PBKDF2-HMAC-SHA256 c=1", "password",
     "pbkdf2_sha256$1$salt$" + "Eg+2z/z4syxD5yJSVsT4N6hlSMkszDVICAWYfLcL4Xs="),
    ("pbkdf2_sha256", "django", "PBKDF2-HMAC-SHA256 c=4096", "password",
     "pbkdf2_sha256$4096$salt$" + "xeR41ZKIyEGqUw22hFxMjZYok6ABzk4RpJY4c6qYE0o="),
]


def known_answer_vectors():
    out = []
    for scheme, variant, source, pw, stored in KNOWN_ANSWERS:
        if scheme == "bcrypt":
            remade = bcrypt.hashpw(pw.encode(), stored[:29].encode()).decode()
            checkers = BCRYPT_CHECKERS
        elif scheme == "pbkdf2_sha256":
            _, iterations, salt, _ = stored.split("$")
            remade = django_hashers.PBKDF2PasswordHasher().encode(pw, salt, int(iterations))
            checkers = PBKDF2_CHECKERS
        else:
            params = argon2.extract_parameters(stored)
            remade = argon2.low_level.hash_secret(
                pw.encode(), b"somesalt", time_cost=params.time_cost,
                memory_cost=params.memory_cost, parallelism=params.parallelism,
                hash_len=params.hash_len, type=params.type, version=params.version).decode()
            checkers = ARGON2_CHECKERS
        if remade != stored:
            sys.exit(f"{source}: expected {stored}, made {remade}")
        out.append(vector(scheme, variant, f"published known answer: {source}", stored, pw,
                          source, checkers))
    return out


def main():
    vectors = (known_answer_vectors() + bcrypt_vectors() + pbkdf2_vectors() + argon2_vectors()
               + django_prefixed_vectors())
    document = {
        "comment": "Made by tests/vectors/make_password_vectors.py; do not edit by hand.",
        "made_with": {"python3-bcrypt": bcrypt.__version__, "python3-passlib": passlib.__version__,
                      "python3-argon2": argon2.__version__, "python3-django": django.get_version()},
        "numberOfVectors": len(vectors),
        "vectors": vectors,
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(document, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(vectors)} vectors to {OUT}")


if __name__ == "__main__":
    main()
