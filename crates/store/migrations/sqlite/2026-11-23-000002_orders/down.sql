DROP TABLE order_verifications;
DROP TABLE orders;
DROP TABLE formulary_entry_versions;
DROP TABLE formulary_entries;
