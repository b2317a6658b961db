-- The kana + birth date look-up's index leads with the birth date. Both columns are
-- compared for equality, so either order serves the look-up; but a family name repeats
-- thousands of times in a register and a birth date a few dozen, so with the date first
-- nearly every comparison the index build's sort makes is settled by the first column.
-- A first load builds this index inside its transaction: 0.3 s less per million rows
-- (1.2–1.3 s down to 0.85–1.07 s, sqlite3 CLI; see specs/benchmarks.md).
DROP INDEX residents_kana_birth;
CREATE INDEX residents_birth_kana ON residents (birth_date, family_kana);
