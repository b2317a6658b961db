DROP INDEX vaccinations_recorded_by_time;
DROP TABLE site_day_settings;
DROP TABLE web_sessions;
DROP TABLE user_passwords;
