"""What the contract run needs beyond the OpenAPI document: bodies of the two media
types that are not JSON (a document's PDF, a form's photo). Loaded by Schemathesis
through SCHEMATHESIS_HOOKS=hooks with this directory on PYTHONPATH."""

from hypothesis import strategies as st

import schemathesis

# A smallest PDF and a smallest JPEG, and bytes that are neither (which must be refused
# with a documented status, never a server error).
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c"
    "140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27"
    "393d38323c2e333432ffc0000b080001000101011100ffc4001f0000010501010101010100000000"
    "000000000102030405060708090a0bffc400b5100002010303020403050504040000017d01020300"
    "041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a"
    "25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475"
    "767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9ba"
    "c2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda"
    "0008010100003f00fbd3ffd9"
)

schemathesis.openapi.media_type("application/pdf", st.sampled_from([PDF]) | st.binary(max_size=64))
schemathesis.openapi.media_type("image/jpeg", st.sampled_from([JPEG]) | st.binary(max_size=64))
