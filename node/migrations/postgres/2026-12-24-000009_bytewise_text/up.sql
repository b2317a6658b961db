-- Every text column compares byte by byte (COLLATE "C"), whatever the database's locale.
-- The keys are codes, digits, ISO dates and katakana, whose byte order is already their
-- natural order; no query sorts by a locale's rules. Under a locale's collation (the
-- postgres image's en_US.utf8, a Japanese server's ja_JP.UTF-8) every index comparison
-- goes through strcoll and PostgreSQL gives up abbreviated sort keys, which slows the
-- first load's index builds and every look-up (specs/benchmarks.md, "Collation").
-- A collation change rewrites no table; it rebuilds the indexes on these columns and
-- re-checks the foreign keys that reference residents (atena).
-- Every text column added later must say COLLATE "C" too (tests: classification).
ALTER TABLE residents
    ALTER COLUMN atena TYPE TEXT COLLATE "C",
    ALTER COLUMN family_name TYPE TEXT COLLATE "C",
    ALTER COLUMN given_name TYPE TEXT COLLATE "C",
    ALTER COLUMN family_kana TYPE TEXT COLLATE "C",
    ALTER COLUMN given_kana TYPE TEXT COLLATE "C",
    ALTER COLUMN birth_date TYPE TEXT COLLATE "C",
    ALTER COLUMN coupon_number TYPE TEXT COLLATE "C";
ALTER TABLE my_numbers
    ALTER COLUMN atena TYPE TEXT COLLATE "C";
ALTER TABLE coupon_history
    ALTER COLUMN atena TYPE TEXT COLLATE "C",
    ALTER COLUMN coupon_number TYPE TEXT COLLATE "C";
ALTER TABLE protected_residents
    ALTER COLUMN atena TYPE TEXT COLLATE "C",
    ALTER COLUMN set_by TYPE TEXT COLLATE "C";
ALTER TABLE disclosures
    ALTER COLUMN inquiry_id TYPE TEXT COLLATE "C",
    ALTER COLUMN atena TYPE TEXT COLLATE "C",
    ALTER COLUMN asker TYPE TEXT COLLATE "C",
    ALTER COLUMN basis TYPE TEXT COLLATE "C",
    ALTER COLUMN method TYPE TEXT COLLATE "C",
    ALTER COLUMN asker_staff TYPE TEXT COLLATE "C",
    ALTER COLUMN outcome TYPE TEXT COLLATE "C",
    ALTER COLUMN review TYPE TEXT COLLATE "C",
    ALTER COLUMN reviewed_by TYPE TEXT COLLATE "C",
    ALTER COLUMN review_note TYPE TEXT COLLATE "C";
ALTER TABLE vaccinations
    ALTER COLUMN id TYPE TEXT COLLATE "C",
    ALTER COLUMN municipality TYPE TEXT COLLATE "C",
    ALTER COLUMN coupon_number TYPE TEXT COLLATE "C",
    ALTER COLUMN atena TYPE TEXT COLLATE "C",
    ALTER COLUMN vaccinated_on TYPE TEXT COLLATE "C",
    ALTER COLUMN product TYPE TEXT COLLATE "C",
    ALTER COLUMN lot TYPE TEXT COLLATE "C",
    ALTER COLUMN site TYPE TEXT COLLATE "C",
    ALTER COLUMN doctor TYPE TEXT COLLATE "C",
    ALTER COLUMN status TYPE TEXT COLLATE "C",
    ALTER COLUMN review TYPE TEXT COLLATE "C",
    ALTER COLUMN warnings TYPE TEXT COLLATE "C",
    ALTER COLUMN source TYPE TEXT COLLATE "C",
    ALTER COLUMN recorded_by TYPE TEXT COLLATE "C",
    ALTER COLUMN idempotency_key TYPE TEXT COLLATE "C";
ALTER TABLE vaccination_changes
    ALTER COLUMN vaccination_id TYPE TEXT COLLATE "C",
    ALTER COLUMN actor TYPE TEXT COLLATE "C",
    ALTER COLUMN action TYPE TEXT COLLATE "C",
    ALTER COLUMN reason TYPE TEXT COLLATE "C",
    ALTER COLUMN old_values TYPE TEXT COLLATE "C";
ALTER TABLE outbox
    ALTER COLUMN message_id TYPE TEXT COLLATE "C",
    ALTER COLUMN vaccination_id TYPE TEXT COLLATE "C",
    ALTER COLUMN target_municipality TYPE TEXT COLLATE "C",
    ALTER COLUMN payload TYPE TEXT COLLATE "C",
    ALTER COLUMN state TYPE TEXT COLLATE "C";
ALTER TABLE certificate_revocations
    ALTER COLUMN rid TYPE TEXT COLLATE "C",
    ALTER COLUMN reason TYPE TEXT COLLATE "C",
    ALTER COLUMN vaccination_id TYPE TEXT COLLATE "C";
ALTER TABLE access_log
    ALTER COLUMN actor TYPE TEXT COLLATE "C",
    ALTER COLUMN role TYPE TEXT COLLATE "C",
    ALTER COLUMN action TYPE TEXT COLLATE "C",
    ALTER COLUMN atena TYPE TEXT COLLATE "C",
    ALTER COLUMN detail TYPE TEXT COLLATE "C";
ALTER TABLE imports
    ALTER COLUMN actor TYPE TEXT COLLATE "C",
    ALTER COLUMN mode TYPE TEXT COLLATE "C",
    ALTER COLUMN outcome TYPE TEXT COLLATE "C";
ALTER TABLE users
    ALTER COLUMN name TYPE TEXT COLLATE "C",
    ALTER COLUMN role TYPE TEXT COLLATE "C";
ALTER TABLE user_passwords
    ALTER COLUMN hash TYPE TEXT COLLATE "C",
    ALTER COLUMN set_by TYPE TEXT COLLATE "C";
ALTER TABLE web_sessions
    ALTER COLUMN method TYPE TEXT COLLATE "C";
ALTER TABLE site_day_settings
    ALTER COLUMN day TYPE TEXT COLLATE "C",
    ALTER COLUMN site TYPE TEXT COLLATE "C",
    ALTER COLUMN doctor TYPE TEXT COLLATE "C",
    ALTER COLUMN product TYPE TEXT COLLATE "C",
    ALTER COLUMN lot TYPE TEXT COLLATE "C";
ALTER TABLE retention_runs
    ALTER COLUMN cutoff TYPE TEXT COLLATE "C";
