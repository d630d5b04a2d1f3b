#!/usr/bin/python3
"""CTest PasswordVectors.DummyHashesWellFormedForIndependentImplementations (tests/vectors/
CMakeLists.txt): password_hashes.json checks that gangway reads other implementations' hashes;
this checks that other implementations read gangway's dummy_stored_hash() strings.

    check_dummy_hashes.py <path to gangway_print_dummy_hashes>

dummy_verify() should cost what a real verification with typical parameters costs. A dummy
that is malformed (bad padding bits, wrong lengths) or carries other parameters than
password_hash.hpp documents would make that a different, possibly instant, computation.
"""

import subprocess
import sys
import warnings

import argon2
import bcrypt
import passlib.exc
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from passlib import hash as passlib_hash

# passlib warns, and carries on, about non-canonical padding bits: make that a failure.
warnings.simplefilter("error", passlib.exc.PasslibWarning)
passlib_hash.argon2.set_backend("argon2_cffi")


def check_bcrypt(h):
    parsed = passlib_hash.bcrypt.from_string(h)
    assert (parsed.ident, parsed.rounds) == ("$2b$", 10), (parsed.ident, parsed.rounds)
    # OpenBSD's code re-encodes salt and checksum; a mismatch (not ValueError) means it parsed.
    assert bcrypt.checkpw(b"not the dummy password", h.encode()) is False


def check_pbkdf2(h):
    assert passlib_hash.django_pbkdf2_sha256.from_string(h).rounds == 600000
    hasher = PBKDF2PasswordHasher()
    assert hasher.decode(h)["iterations"] == 600000
    assert hasher.verify("not the dummy password", h) is False


def check_argon2(h, kind, passlib_type):
    params = argon2.extract_parameters(h)
    got = (params.type, params.version, params.memory_cost, params.time_cost, params.parallelism)
    assert got == (kind, 19, 65536, 3, 4), got
    assert passlib_hash.argon2.from_string(h).type == passlib_type
    try:
        argon2.PasswordHasher().verify(h, b"not the dummy password")
        raise AssertionError("matched a password it was not made from")
    except argon2.exceptions.VerifyMismatchError:
        pass  # parsed and computed; InvalidHash would have propagated


def main():
    lines = subprocess.run([sys.argv[1]], check=True, capture_output=True, text=True).stdout
    dummies = dict(line.split("\t") for line in lines.splitlines())
    checks = {
        "bcrypt": check_bcrypt,
        "pbkdf2_sha256": check_pbkdf2,
        "argon2id": lambda h: check_argon2(h, argon2.low_level.Type.ID, "id"),
        "argon2i": lambda h: check_argon2(h, argon2.low_level.Type.I, "i"),
    }
    assert set(dummies) == set(checks) | {"unknown"}, sorted(dummies)
    # Documented: for an unknown scheme the dummy is the bcrypt one.
    assert dummies["unknown"] == dummies["bcrypt"]
    for scheme, check in checks.items():
        check(dummies[scheme])
        print(f"ok {scheme}")


if __name__ == "__main__":
    main()
