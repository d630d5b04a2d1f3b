#!/usr/bin/python3
"""Writes tests/vectors/aes_gcm.json for tests/unit/aes_gcm_vectors_test.cpp.

Wycheproof's layout (testGroups of tests with tcId, comment, flags, key, iv, aad, msg, ct, tag,
result), made with python3-cryptography's AESGCM rather than gangway's code, plus the AES-256
test cases of the GCM specification (McGrew & Viega), which the generator must reproduce first.

"result" is gangway's answer, not GCM's: gangway takes 96-bit nonces and 128-bit tags only, so
a correct GCM encryption under an 8-byte nonce is "invalid" here (flag NonceLength).

Group "SealedBoxTest" uses sealed_box's associated data, purpose || 0x00 || 0x01 ||
len(keyId) || keyId, so the test can also frame each case as a sealed text and feed it to
open_sealed(). Its aad-modifying cases change purpose or keyId (the only ways to change that
aad through the API) and keep aad consistent with them.

Deterministic (inputs come from a fixed seed): a re-run writes the same file byte for byte.

    /usr/bin/python3 tests/vectors/make_aes_gcm_vectors.py
"""

import hashlib
import json
import os
import sys

import cryptography
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "aes_gcm.json")

NOTES = {
    "Published": "An AES-256 test case of the GCM specification (McGrew & Viega, 2005).",
    "Pseudorandom": "Key, nonce, aad and message from a fixed seed; several lengths.",
    "SpecialNonce": "A nonce of all zero or all one bits.",
    "TruncatedTag": "The tag is cut short; gangway only accepts full 16-byte tags.",
    "ExtendedTag": "One byte after the tag.",
    "ModifiedCiphertext": "One bit of the ciphertext flipped.",
    "ModifiedTag": "One bit of the tag flipped.",
    "ModifiedNonce": "One bit of the nonce flipped.",
    "ModifiedAad": "One bit of the associated data flipped.",
    "WrongKey": "Made under another key.",
    "NonceLength": "A nonce that is not 96 bits (for 8..16 bytes a correct GCM encryption "
                   "under that nonce); gangway refuses every other length.",
    "EmptyInput": "No ciphertext, or neither ciphertext nor tag.",
}


def stream(label, n):
    return hashlib.shake_256(("gangway aes-gcm " + label).encode()).digest(n)


def flip(data, bit):
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def gcm(key, iv, aad, msg):
    sealed = AESGCM(key).encrypt(iv, msg, aad)
    return sealed[:-16], sealed[-16:]


def opens(key, iv, aad, ct, tag):
    """What an unrestricted GCM implementation says about a case."""
    try:
        AESGCM(key).decrypt(iv, ct + tag, aad)
        return True
    except (InvalidTag, ValueError):  # ValueError: a nonce length AESGCM does not take
        return False


class Group:
    def __init__(self, kind, comment):
        self.kind, self.comment, self.tests = kind, comment, []

    def add(self, comment, flags, key, iv, aad, msg, ct, tag, result, **extra):
        valid_for_gcm = opens(key, iv, aad, ct, tag)
        # Cross-check every verdict: a mutation that happens to stay valid must not be
        # recorded as invalid, and an 'invalid' whose only fault is the nonce length must be
        # sound GCM when AESGCM takes that length.
        if result == "valid" and not valid_for_gcm:
            sys.exit(f"AESGCM refuses valid case {comment}")
        if result == "invalid" and valid_for_gcm and "NonceLength" not in flags:
            sys.exit(f"AESGCM accepts invalid case {comment}")
        self.tests.append({"tcId": 0, "comment": comment, "flags": flags, "key": key.hex(),
                           "iv": iv.hex(), "aad": aad.hex(), "msg": msg.hex(), "ct": ct.hex(),
                           "tag": tag.hex(), "result": result, **extra})

    def add_mutations(self, label, key, iv, aad, msg, aad_mutations, **extra):
        """The invalid cases Wycheproof lists, derived from one valid case."""
        ct, tag = gcm(key, iv, aad, msg)
        for k in range(1, 17):
            self.add(f"{label}: tag truncated by {k}", ["TruncatedTag"], key, iv, aad, msg, ct,
                     tag[:16 - k], "invalid", **extra)
        self.add(f"{label}: one byte after the tag", ["ExtendedTag"], key, iv, aad, msg, ct,
                 tag + b"\x00", "invalid", **extra)
        for bit in (0, 1, 7, 8 * len(ct) // 2, 8 * len(ct) - 1):
            self.add(f"{label}: ciphertext bit {bit} flipped", ["ModifiedCiphertext"], key, iv,
                     aad, msg, flip(ct, bit), tag, "invalid", **extra)
        for bit in (0, 1, 7, 8, 63, 64, 120, 127):
            self.add(f"{label}: tag bit {bit} flipped", ["ModifiedTag"], key, iv, aad, msg, ct,
                     flip(tag, bit), "invalid", **extra)
        for bit in (0, 7, 31, 32, 88, 95):
            self.add(f"{label}: nonce bit {bit} flipped", ["ModifiedNonce"], key, flip(iv, bit),
                     aad, msg, ct, tag, "invalid", **extra)
        for comment, mutated_aad, changes in aad_mutations:
            self.add(f"{label}: {comment}", ["ModifiedAad"], key, iv, mutated_aad, msg, ct, tag,
                     "invalid", **{**extra, **changes})
        self.add(f"{label}: another key", ["WrongKey"], stream(label + " other key", 32), iv, aad,
                 msg, ct, tag, "invalid", **extra)
        self.add(f"{label}: key bit 0 flipped", ["WrongKey"], flip(key, 0), iv, aad, msg, ct, tag,
                 "invalid", **extra)
        for n in (0, 1, 7):
            self.add(f"{label}: {n}-byte nonce", ["NonceLength"], key, iv[:n], aad, msg, ct, tag,
                     "invalid", **extra)
        for n in (8, 11, 13, 16):
            other_iv = stream(f"{label} nonce {n}", n)
            other_ct, other_tag = gcm(key, other_iv, aad, msg)
            self.add(f"{label}: GCM under a {n}-byte nonce", ["NonceLength"], key, other_iv, aad,
                     msg, other_ct, other_tag, "invalid", **extra)
        self.add(f"{label}: tag without ciphertext", ["EmptyInput"], key, iv, aad, msg, b"", tag,
                 "invalid", **extra)
        self.add(f"{label}: nothing at all", ["EmptyInput"], key, iv, aad, msg, b"", b"",
                 "invalid", **extra)

    def json(self):
        return {"type": self.kind, "comment": self.comment, "keySize": 256, "ivSize": 96,
                "tagSize": 128, "tests": self.tests}


# (key, iv, aad, msg, ct, tag) from the GCM specification, test cases 13 to 16.
SPEC_KEY = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
SPEC_MSG = ("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
            "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255")
SPEC_CT = ("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
           "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad")
PUBLISHED = [
    ("test case 13", "00" * 32, "00" * 12, "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"),
    ("test case 14", "00" * 32, "00" * 12, "", "00" * 16, "cea7403d4d606b6e074ec5d3baf39d18",
     "d0d1c8a799996bf0265b98b5d48ab919"),
    ("test case 15", SPEC_KEY, "cafebabefacedbaddecaf888", "", SPEC_MSG, SPEC_CT,
     "b094dac5d93471bdec1a502270e3cc6c"),
    ("test case 16", SPEC_KEY, "cafebabefacedbaddecaf888",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2", SPEC_MSG[:120], SPEC_CT[:120],
     "76fc6ece0f4e1768cddf8853bb2d551b"),
]


def aead_group():
    g = Group("AeadTest", "AES-256-GCM with explicit key, nonce and aad")
    for name, *fields in PUBLISHED:
        key, iv, aad, msg, ct, tag = map(bytes.fromhex, fields)
        if gcm(key, iv, aad, msg) != (ct, tag):
            sys.exit(f"AESGCM does not reproduce the GCM specification's {name}")
        g.add(f"GCM specification {name}", ["Published"], key, iv, aad, msg, ct, tag, "valid")
    aad_lengths = (0, 1, 13, 16, 20, 32, 65)
    for i, n in enumerate((0, 1, 12, 15, 16, 17, 31, 32, 33, 64, 255, 256, 1024)):
        label = f"pseudorandom {i}"
        key, iv = stream(label + " key", 32), stream(label + " iv", 12)
        aad, msg = stream(label + " aad", aad_lengths[i % len(aad_lengths)]), stream(label + " msg", n)
        g.add(f"{n}-byte message, {len(aad)}-byte aad", ["Pseudorandom"], key, iv, aad, msg,
              *gcm(key, iv, aad, msg), "valid")
    for fill in (0x00, 0xff):
        key, iv, msg = stream(f"special {fill}", 32), bytes([fill]) * 12, stream("special msg", 40)
        g.add(f"nonce of bytes {fill:02x}", ["SpecialNonce"], key, iv, b"", msg,
              *gcm(key, iv, b"", msg), "valid")
    key, iv, aad, msg = (stream("base key", 32), stream("base iv", 12), stream("base aad", 20),
                         stream("base msg", 33))
    aad_mutations = [(f"aad bit {bit} flipped", flip(aad, bit), {}) for bit in (0, 7, 80, 159)]
    aad_mutations.append(("aad dropped", b"", {}))
    g.add_mutations("33-byte message, 20-byte aad", key, iv, aad, msg, aad_mutations)
    return g


def sealed_box_aad(purpose, key_id):
    return purpose.encode() + b"\x00" + bytes([1, len(key_id)]) + key_id.encode()


def sealed_box_group():
    g = Group("SealedBoxTest",
              "aad = purpose || 0x00 || 0x01 || len(keyId) || keyId, as sealed_box.cpp binds it")
    cases = [("session", "k1", 0), ("session", "k1", 1), ("handoff", "2024-06_b", 16),
             ("csrf", "A" * 32, 57), ("", "k", 200)]
    for i, (purpose, key_id, n) in enumerate(cases):
        label = f"sealed {i}"
        key, iv, msg = stream(label + " key", 32), stream(label + " iv", 12), stream(label + " msg", n)
        aad = sealed_box_aad(purpose, key_id)
        g.add(f"purpose '{purpose}', key id '{key_id}', {n}-byte message", ["Pseudorandom"], key,
              iv, aad, msg, *gcm(key, iv, aad, msg), "valid", purpose=purpose, keyId=key_id)
    purpose, key_id = "session", "k7"
    key, iv, msg = stream("sealed base key", 32), stream("sealed base iv", 12), stream("sealed base msg", 40)

    def other(p, k, comment):
        return comment, sealed_box_aad(p, k), {"purpose": p, "keyId": k}

    aad_mutations = [other("sessioo", key_id, "purpose bit 0 of the last byte flipped"),
                     other("Session", key_id, "purpose bit 5 of the first byte flipped"),
                     other("sessio", key_id, "purpose one byte shorter"),
                     other("session\x00", key_id, "purpose with a trailing NUL"),
                     other(purpose, "k6", "key id bit 0 flipped (the ring has that id)"),
                     other(purpose, "j7", "key id bit 0 of the first byte flipped")]
    g.add_mutations("sealed 40-byte message", key, iv, sealed_box_aad(purpose, key_id), msg,
                    aad_mutations, purpose=purpose, keyId=key_id)
    return g


def main():
    groups = [aead_group(), sealed_box_group()]
    tc_id = 0
    for g in groups:
        for t in g.tests:
            tc_id += 1
            t["tcId"] = tc_id
    document = {
        "algorithm": "AES-GCM",
        "generator": "tests/vectors/make_aes_gcm_vectors.py; do not edit by hand",
        "made_with": f"python3-cryptography {cryptography.__version__} AESGCM",
        "numberOfTests": tc_id,
        "notes": NOTES,
        "testGroups": [g.json() for g in groups],
    }
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(document, f, indent=1)
        f.write("\n")
    print(f"wrote {tc_id} tests to {OUT}")


if __name__ == "__main__":
    main()
