DROP TABLE disclosures;
DROP TABLE protected_residents;
