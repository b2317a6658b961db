-- The My Number look-up hash is kept to its first 16 bytes (128 bits of HMAC-SHA256):
-- as unique as the whole 32 for any register, and half the bytes in the table and its
-- index (a 1 M-row first load writes 32 MB less; see specs/benchmarks.md). A prefix of
-- the stored hash is exactly what the code now computes.
UPDATE my_numbers SET lookup_hash = substr(lookup_hash, 1, 16) WHERE length(lookup_hash) > 16;
