DROP INDEX residents_birth_kana;
CREATE INDEX residents_kana_birth ON residents (family_kana, birth_date);
