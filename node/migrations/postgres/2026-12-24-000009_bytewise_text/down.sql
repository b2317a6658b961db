ALTER TABLE residents
    ALTER COLUMN atena TYPE TEXT COLLATE "default",
    ALTER COLUMN family_name TYPE TEXT COLLATE "default",
    ALTER COLUMN given_name TYPE TEXT COLLATE "default",
    ALTER COLUMN family_kana TYPE TEXT COLLATE "default",
    ALTER COLUMN given_kana TYPE TEXT COLLATE "default",
    ALTER COLUMN birth_date TYPE TEXT COLLATE "default",
    ALTER COLUMN coupon_number TYPE TEXT COLLATE "default";
ALTER TABLE my_numbers
    ALTER COLUMN atena TYPE TEXT COLLATE "default";
ALTER TABLE coupon_history
    ALTER COLUMN atena TYPE TEXT COLLATE "default",
    ALTER COLUMN coupon_number TYPE TEXT COLLATE "default";
ALTER TABLE protected_residents
    ALTER COLUMN atena TYPE TEXT COLLATE "default",
    ALTER COLUMN set_by TYPE TEXT COLLATE "default";
ALTER TABLE disclosures
    ALTER COLUMN inquiry_id TYPE TEXT COLLATE "default",
    ALTER COLUMN atena TYPE TEXT COLLATE "default",
    ALTER COLUMN asker TYPE TEXT COLLATE "default",
    ALTER COLUMN basis TYPE TEXT COLLATE "default",
    ALTER COLUMN method TYPE TEXT COLLATE "default",
    ALTER COLUMN asker_staff TYPE TEXT COLLATE "default",
    ALTER COLUMN outcome TYPE TEXT COLLATE "default",
    ALTER COLUMN review TYPE TEXT COLLATE "default",
    ALTER COLUMN reviewed_by TYPE TEXT COLLATE "default",
    ALTER COLUMN review_note TYPE TEXT COLLATE "default";
ALTER TABLE vaccinations
    ALTER COLUMN id TYPE TEXT COLLATE "default",
    ALTER COLUMN municipality TYPE TEXT COLLATE "default",
    ALTER COLUMN coupon_number TYPE TEXT COLLATE "default",
    ALTER COLUMN atena TYPE TEXT COLLATE "default",
    ALTER COLUMN vaccinated_on TYPE TEXT COLLATE "default",
    ALTER COLUMN product TYPE TEXT COLLATE "default",
    ALTER COLUMN lot TYPE TEXT COLLATE "default",
    ALTER COLUMN site TYPE TEXT COLLATE "default",
    ALTER COLUMN doctor TYPE TEXT COLLATE "default",
    ALTER COLUMN status TYPE TEXT COLLATE "default",
    ALTER COLUMN review TYPE TEXT COLLATE "default",
    ALTER COLUMN warnings TYPE TEXT COLLATE "default",
    ALTER COLUMN source TYPE TEXT COLLATE "default",
    ALTER COLUMN recorded_by TYPE TEXT COLLATE "default",
    ALTER COLUMN idempotency_key TYPE TEXT COLLATE "default";
ALTER TABLE vaccination_changes
    ALTER COLUMN vaccination_id TYPE TEXT COLLATE "default",
    ALTER COLUMN actor TYPE TEXT COLLATE "default",
    ALTER COLUMN action TYPE TEXT COLLATE "default",
    ALTER COLUMN reason TYPE TEXT COLLATE "default",
    ALTER COLUMN old_values TYPE TEXT COLLATE "default";
ALTER TABLE outbox
    ALTER COLUMN message_id TYPE TEXT COLLATE "default",
    ALTER COLUMN vaccination_id TYPE TEXT COLLATE "default",
    ALTER COLUMN target_municipality TYPE TEXT COLLATE "default",
    ALTER COLUMN payload TYPE TEXT COLLATE "default",
    ALTER COLUMN state TYPE TEXT COLLATE "default";
ALTER TABLE certificate_revocations
    ALTER COLUMN rid TYPE TEXT COLLATE "default",
    ALTER COLUMN reason TYPE TEXT COLLATE "default",
    ALTER COLUMN vaccination_id TYPE TEXT COLLATE "default";
ALTER TABLE access_log
    ALTER COLUMN actor TYPE TEXT COLLATE "default",
    ALTER COLUMN role TYPE TEXT COLLATE "default",
    ALTER COLUMN action TYPE TEXT COLLATE "default",
    ALTER COLUMN atena TYPE TEXT COLLATE "default",
    ALTER COLUMN detail TYPE TEXT COLLATE "default";
ALTER TABLE imports
    ALTER COLUMN actor TYPE TEXT COLLATE "default",
    ALTER COLUMN mode TYPE TEXT COLLATE "default",
    ALTER COLUMN outcome TYPE TEXT COLLATE "default";
ALTER TABLE users
    ALTER COLUMN name TYPE TEXT COLLATE "default",
    ALTER COLUMN role TYPE TEXT COLLATE "default";
ALTER TABLE user_passwords
    ALTER COLUMN hash TYPE TEXT COLLATE "default",
    ALTER COLUMN set_by TYPE TEXT COLLATE "default";
ALTER TABLE web_sessions
    ALTER COLUMN method TYPE TEXT COLLATE "default";
ALTER TABLE site_day_settings
    ALTER COLUMN day TYPE TEXT COLLATE "default",
    ALTER COLUMN site TYPE TEXT COLLATE "default",
    ALTER COLUMN doctor TYPE TEXT COLLATE "default",
    ALTER COLUMN product TYPE TEXT COLLATE "default",
    ALTER COLUMN lot TYPE TEXT COLLATE "default";
ALTER TABLE retention_runs
    ALTER COLUMN cutoff TYPE TEXT COLLATE "default";
